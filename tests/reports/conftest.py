"""Fixtures for the printed-report tests: real encrypted workspaces (cheap KDF), a fictional
demo caseload, one planted case with distinctive fictional strings in the places redaction
must withhold, and helpers that read PDFs back (text, and every decompressed object).

Only fictional data is used.  The planted strings are invented words chosen so they cannot
occur by chance.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject, StreamObject
from support.laptops import new_workspace

from cse_desktop.casework import demo
from cse_desktop.casework.submissions import context_for, finalise
from cse_desktop.domain.models import Action, Association, AssociationKind, Episode, Person
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.samples import load_samples
from cse_desktop.reports.page import PrintMeta
from cse_desktop.store.workspace import Workspace

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
MARKING = "OFFICIAL-SENSITIVE"
CAVEAT = "Not for onward sharing without the chair's agreement"


@dataclass(frozen=True)
class Planted:
    """The planted case: its id, and the fictional strings put in withheld places."""

    person_id: str
    name: str
    association: str = "Vexmoorgarage"          # a restricted association record
    poc_name: str = "Zorvathine"                # screening: person of concern (sensitive)
    poc_phone: str = "07700 900417"             # screening: their phone (sensitive)
    child_voice: str = "Quillbrightsaid"        # RMM: the young person's views (sensitive)
    rhi_words: str = "Murmelstone"              # RHI: in their own words (sensitive)
    dis_target: str = "Thornwickle"             # RMM: disruption aimed at (sensitive)
    where_found: str = "Larkhollowyard"         # episode and RHI: where found (intelligence)
    chair_phone: str = "01632 960781"           # a professional's phone, in the chair field
    chair_email: str = "c.chair@example.org"    # and an email address
    address: str = "Plumtreeclose"              # the child's address
    discussion: str = "Ambrosinereport"         # RMM: what agencies shared (third party)
    siblings: str = "Siblingsecretwort"         # RMM: other children at risk (sensitive)
    not_for_parent: str = "Notforparentia"      # RHI: what not to share with the parent
    health_label: str = "Pregnancy or termination"  # a Health indicator (special category)
    health_detail: str = "Medwynclinic"         # its free-text detail
    parent_view: str = "Honeysettview"          # RMM: the parent's view (kept for everyone)
    concerns: str = "Presentingwhorl"           # RMM: presenting concerns (kept)
    # sensitivity categories (forms/<form>/v<N>.sensitivity.yaml): screening indicator rows by
    # their label (a row's label is what would tell a reader), free text by a planted word
    disclosure_label: str = "Has disclosed sexual abuse"                # disclosure
    sex_exchange_label: str = "Sexually exploited in return for money"  # disclosure
    sextortion_label: str = "Blackmailed or threatened with sexual images"  # disclosure
    images_label: str = "Sexual images of the young person shared by others"  # disclosure
    sti_label: str = "Sexually transmitted infection"                   # sexual health
    identity_label: str = "Exploring gender identity or sexuality"      # identity
    kept_label: str = "Excluded from school"    # an indicator no category covers (kept)
    harm_label: str = "Sexual assault"          # RHI: the harm they told us of (disclosure)
    harm_words: str = "Grimsdaletold"           # RHI: what they said of it (never printed)
    harm_flag: str = "Harm disclosed during the missing episode"  # the flag 'harm' raises
    feeling_words: str = "Fernwhistlefeel"      # RHI: how they feel, in their words
    trusted_adult: str = "Trustbarrowaunt"      # RHI: their trusted adult (third party)
    # marked "restricted" by a worker: withheld from every copy but the internal one
    restricted_action: str = "Restrictomatic"   # an action
    restricted_decision: str = "Decisionhushwort"  # the meeting's decisions (a free-text answer)
    open_action: str = "Plainvisibleaction"     # an action not restricted (kept)


@pytest.fixture(scope="session")
def engine() -> FormEngine:
    return FormEngine(FormRegistry.load())


def _sample(engine: FormEngine, form_id: str, newest: bool = False) -> Any:
    """The form's sample answers: of its first version (the newest with ``newest``)."""
    samples = [s for s in load_samples(engine.registry.root) if s.form_id == form_id]
    return max(samples, key=lambda s: s.version) if newest else \
        min(samples, key=lambda s: s.version)


def _shifted(engine: FormEngine, form_id: str, at: datetime,
             newest: bool = False) -> tuple[dict[str, Any], Any]:
    sample = _sample(engine, form_id, newest)
    spec = engine.form(form_id, sample.version).spec
    return demo.shift_dates(spec, sample.answers, at - sample.now), sample


def plant_case(ws: Workspace, engine: FormEngine, now: datetime) -> Planted:
    """A young person with every planted string recorded, through the form engine."""
    p = Planted(person_id="", name="Tamsin Plantwood")
    person = ws.people.add(Person(
        given_name="Tamsin", family_name="Plantwood", dob=date(2011, 4, 2), gender="Female",
        address=f"12 {p.address}, Demo Town", postcode="ZZ99 3PL", school="Demo Hill College",
        allocated_worker="J. Demo-Worker", team="Demo Exploitation Team", flags=["DEMO"]))
    at = now - timedelta(days=2)

    answers, _ = _shifted(engine, "exploitation-screening", at - timedelta(days=20),
                          newest=True)
    yes = {"present": "yes", "timing": "current", "evidence": "reported"}
    answers.update({
        "people_of_concern": [{"poc_name": p.poc_name, "poc_age": 30, "poc_sex": "male",
                               "poc_contact": p.poc_phone, "poc_reported": "no"}],
        "ind_g_pregnancy": {"present": "yes", "timing": "current", "evidence": "reported",
                            "detail": p.health_detail},
        "child_view": f"{p.child_voice} at the screening",
        "crit_sexual_abuse_disclosure": yes, "crit_sex_exchange": yes, "crit_sextortion": yes,
        "ind_f_images_shared": yes, "ind_g_sti": yes, "vul_identity": {"present": "yes"},
        "ind_h_exclusion": yes,
    })
    answers.pop("agreed_level", None)
    _final(ws, engine, "exploitation-screening", person, answers, at - timedelta(days=20),
           agree=True, newest=True)

    answers, sample = _shifted(engine, "return-home-interview", at - timedelta(days=10))
    delta = (at - timedelta(days=10)) - sample.now
    assert sample.episode is not None and sample.episode.returned_at is not None
    episode = ws.episodes.add(Episode(
        person_id=person.id, police_reference="DEMO-777", started_at=sample.episode.started_at
        + delta, returned_at=sample.episode.returned_at + delta, where_found=p.where_found))
    answers.update({"where_found": p.where_found, "child_own_words": f"{p.rhi_words} here",
                    "not_share_detail": p.not_for_parent,
                    "harm": ["sexual_assault"], "harm_detail": f"{p.harm_words} of it",
                    "feeling_notes": f"{p.feeling_words} now",
                    "trusted_adult": f"{p.trusted_adult} Mo"})
    _final(ws, engine, "return-home-interview", person, answers, at - timedelta(days=10),
           episode=episode)

    answers, _ = _shifted(engine, "rmm-review", at)
    answers.update({
        "chair": f"C. Example-Chair, tel {p.chair_phone}, {p.chair_email}",
        "presenting_concerns": f"{p.concerns} and repeat missing.",
        "discussion_summary": f"{p.discussion} from the school.",
        "child_voice": f"{p.child_voice} at the meeting",
        "parent_view": f"{p.parent_view} of the mother",
        "other_children_at_risk": "yes", "other_children_detail": p.siblings,
        "agreed_level": "high",
        "decisions": f"{p.restricted_decision} agreed by the meeting.",
    })
    answers["disruption"][0]["dis_target"] = p.dis_target
    _final(ws, engine, "rmm-review", person, answers, at, restricted=("decisions",))
    ws.actions.add(Action(person_id=person.id, text=f"{p.restricted_action} visit",
                          owner="A. Worker", due=now.date() + timedelta(days=3),
                          restricted=True))
    ws.actions.add(Action(person_id=person.id, text=f"{p.open_action} call",
                          owner="A. Worker", due=now.date() + timedelta(days=3)))

    ws.associations.add(Association(person_id=person.id, association_kind=AssociationKind.PLACE,
                                    description=f"{p.association} car park",
                                    area="Northfold"))
    return Planted(person_id=str(person.id), name=person.display_name)


def _final(ws: Workspace, engine: FormEngine, form_id: str, person: Person,
           answers: dict[str, Any], at: datetime, *, episode: Episode | None = None,
           agree: bool = False, restricted: tuple[str, ...] = (),
           newest: bool = False) -> None:
    version = _sample(engine, form_id, newest).version  # the version its answers are for
    draft = engine.start(form_id, person.id, episode_id=episode.id if episode else None,
                         version=version)
    for field_id in restricted:
        draft = engine.set_restricted(draft, field_id)
    draft = engine.set_answers(draft, answers)
    if agree:  # agree the level the rules suggest
        suggested = engine.outcome(draft, context_for(ws, draft, now=at))["suggested_level"]
        draft = engine.set_answer(draft, "agreed_level", suggested)
    finalise(ws, engine, draft, now=at)


@pytest.fixture(scope="session")
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="session")
def caseload(tmp_path_factory: pytest.TempPathFactory, engine: FormEngine,
             now: datetime) -> Iterator[tuple[Workspace, Planted]]:
    """A read-only workspace: a 12-person demo caseload plus the planted case."""
    ws = new_workspace(tmp_path_factory.mktemp("reports") / "ws")
    demo.populate(ws, people=12, seed=7, today=now.date(), engine=engine)
    planted = plant_case(ws, engine, now)
    yield ws, planted
    ws.lock()


@pytest.fixture
def meta(now: datetime) -> Callable[..., PrintMeta]:
    def make(title: str = "RMM case summary", **extra: Any) -> PrintMeta:
        return PrintMeta(title=title, printed_by="Sam Tester", printed_at=now, **extra)
    return make


# -- reading PDFs back ---------------------------------------------------------------------


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def everything(pdf: bytes) -> str:
    """Every byte a reader could find: the raw file, every object decompressed (content
    streams, fonts, outline, metadata), and the extracted text, as one searchable string."""
    reader = PdfReader(io.BytesIO(pdf))
    parts = [pdf.decode("latin-1")]
    size = int(reader.trailer["/Size"])
    for num in range(1, size):
        obj = reader.get_object(IndirectObject(num, 0, reader))
        if isinstance(obj, StreamObject):
            parts.append(obj.get_data().decode("latin-1"))
        parts.append(repr(obj))
    parts += [str(v) for v in (reader.metadata or {}).values()]
    parts += pages_text(pdf)
    return "\n".join(parts)


def squashed(text: str) -> str:
    """Text with all whitespace removed (a wrapped line cannot hide a word)."""
    return re.sub(r"\s+", "", text)


def render_pngs(pdf: bytes, name: str, first: int = 1, last: int = 2) -> list[Path]:
    """Pages ``first`` to ``last`` as PNGs under test-artifacts/reports (for a person to look
    at); nothing if pdftoppm is not installed."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    tool = shutil.which("pdftoppm")
    if tool is None:
        return []
    # pdftoppm's page files only: "<name>-1.png", not another render's "<name>-redaction-1.png"
    # (test files run side by side under pytest-xdist)
    for old in ARTIFACTS.glob(f"{name}-[0-9]*.png"):
        old.unlink(missing_ok=True)
    subprocess.run([tool, "-r", "60", "-png", "-f", str(first), "-l", str(last), str(path),
                    str(ARTIFACTS / name)], check=True, timeout=60)
    return sorted(ARTIFACTS.glob(f"{name}-[0-9]*.png"))
