"""Sensitivity as data (issue 12, part 4): every field of every form version carries its
categories, every audience withholds by category, and no printed copy holds a withheld word.

Only fictional data is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from support.laptops import new_workspace

from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.sensitivity import ALL_CATEGORIES, Category
from cse_desktop.forms.spec import IndicatorField, RepeatField
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.redaction import PROFILES, WITHHELD_CATEGORIES
from cse_desktop.reports.summary import build_summary
from cse_desktop.store.workspace import Workspace

from .conftest import Planted, everything, pages_text, plant_case, render_pngs, squashed

C = Category
D, SH, ID, OW, TP, LOC, INT, H = (C.DISCLOSURE, C.SEXUAL_HEALTH, C.IDENTITY, C.OWN_WORDS,
                                  C.THIRD_PARTY, C.LOCATION, C.INTELLIGENCE, C.HEALTH)

#: the matrix, written out again here (independently of reports/redaction.py)
MATRIX: dict[str, set[Category]] = {
    "internal": set(),
    "police": {SH, ID, H},
    "education": {D, SH, ID, LOC, INT, H},
    "health": {LOC, INT},
    "family": set(Category),
}

#: categories a field must carry in every version that has it (at least these): the issue's
#: examples and the information governance rules (domain research section 5)
MUST: dict[str, set[Category]] = {
    # disclosure of sexual abuse or exploitation
    "crit_sexual_abuse_disclosure": {D}, "crit_under_13_sexual_activity": {D},
    "crit_sex_exchange": {D}, "crit_sextortion": {D}, "crit_taken_for_sex": {D},
    "ind_f_sexual_images": {D}, "ind_f_images_requested": {D}, "ind_f_images_shared": {D},
    "harm": {D}, "harm_detail": {D, OW}, "exploitation_detail": {D},
    # sexual health, sexuality or gender identity
    "ind_g_sti": {SH, H}, "ind_g_pregnancy": {SH, H}, "health_action": {SH, H},
    "vul_identity": {ID},
    # the child's own words
    "child_view": {OW}, "child_voice": {OW}, "child_own_words": {OW}, "childs_account": {OW},
    "what_would_help": {OW}, "feeling_notes": {OW},
    # third-party information
    "other_children_at_risk": {TP}, "other_children_detail": {TP},
    "discussion_summary": {TP}, "trusted_adult": {TP}, "not_share_with_parent": {TP},
    "not_share_detail": {TP}, "other_parent_risk_detail": {TP}, "siblings_impact": {TP},
    "sharing_named": {TP}, "harassment_detail": {TP},
    # location of the child
    "where_found": {LOC}, "found_area": {LOC}, "locations": {LOC}, "places_of_concern": {LOC},
    "obs_locations": {LOC},
    # intelligence on people, places and vehicles of concern; health detail
    "people_of_concern": {INT}, "people_with": {INT}, "observations": {INT},
    "dis_target": {INT}, "health_needs": {H},
}


#: professionals' contact details: withheld by the copy's contact-details switch (and removed
#: from any text), not by a category
CONTACT_FIELDS = {"att_contact", "prof_contact"}


def _registry() -> FormRegistry:
    return FormRegistry.load()


def _every_field(registry: FormRegistry) -> list[tuple[str, int, Any, Any]]:
    """(form id, version, field, its repeat group or None) for every field of every version."""
    out = []
    for form_id in registry.ids():
        for version in registry.versions(form_id):
            for f in registry.get(form_id, version).all_fields():
                out.append((form_id, version, f, None))
                if isinstance(f, RepeatField):
                    out += [(form_id, version, sub, f) for sub in f.fields]
    return out


def _categories(registry: FormRegistry, form_id: str, version: int, f: Any,
                group: Any) -> frozenset[Category]:
    found = registry.categories(form_id, version, f.id)
    if group is not None:
        found |= registry.categories(form_id, version, group.id)
    return found


def test_the_matrix_is_the_one_documented_and_the_issue_rule_holds() -> None:
    assert {k: set(v) for k, v in WITHHELD_CATEGORIES.items()} == MATRIX
    for name, profile in PROFILES.items():
        assert set(profile.withheld_categories) == MATRIX[name], name
        # a restricted action, decision or note stays with the team
        assert profile.withhold_restricted is (name != "internal"), name
    for name in ("family", "education"):  # never a disclosure, sexual-health or identity item
        assert {D, SH, ID} <= set(PROFILES[name].withheld_categories)


def test_every_form_version_has_its_sensitivity_file() -> None:
    registry = _registry()
    missing = [f"forms/{form_id}/v{v}.sensitivity.yaml" for form_id in registry.ids()
               for v in registry.versions(form_id) if not registry.has_sensitivity(form_id, v)]
    assert not missing, f"no sensitivity categories for: {', '.join(missing)}"


def test_every_field_carries_the_categories_it_must() -> None:
    registry = _registry()
    problems = []
    for form_id, version, f, group in _every_field(registry):
        cats = _categories(registry, form_id, version, f, group)
        where = f"{form_id} v{version} {f.id}"
        assert cats != ALL_CATEGORIES, where  # every field is known to its sensitivity file
        want = MUST.get(f.id, set())
        if not want <= cats:
            problems.append(f"{where}: has {sorted(cats)}, needs {sorted(want - cats)}")
        if isinstance(f, IndicatorField) and f.group == "Health" and H not in cats:
            problems.append(f"{where}: a Health indicator without the 'health' category")
        if (f.sensitive or (group is not None and group.sensitive)) and not cats \
                and f.type not in ("info", "computed") and f.id not in CONTACT_FIELDS:
            problems.append(f"{where}: marked sensitive but carries no category")
    assert not problems, "\n".join(problems)


def test_a_question_keeps_its_categories_from_version_to_version() -> None:
    """A later version that asks the same question (same id) carries the same categories: a
    new version cannot quietly drop one."""
    registry = _registry()
    seen: dict[tuple[str, str], tuple[int, frozenset[Category]]] = {}
    problems = []
    for form_id, version, f, group in _every_field(registry):
        cats = _categories(registry, form_id, version, f, group)
        first = seen.setdefault((form_id, f.id), (version, cats))
        if not first[1] <= cats:
            problems.append(f"{form_id} {f.id}: v{first[0]} {sorted(first[1])}, "
                            f"v{version} {sorted(cats)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_each_profile_withholds_exactly_the_fields_of_its_categories(profile: str) -> None:
    """Walk every field of every form version: withheld exactly when one of its categories is
    withheld from this audience (and, for a copy that leaves out sensitive fields, when marked
    sensitive); and always when a worker marked it restricted, except in the internal copy."""
    registry = _registry()
    prof = PROFILES[profile]
    for form_id, version, f, group in _every_field(registry):
        cats = _categories(registry, form_id, version, f, group)
        sensitive = prof.withhold_sensitive_fields and (
            f.sensitive or (group is not None and group.sensitive))
        expected = bool(cats & MATRIX[profile]) or sensitive
        got = prof.withholds_field(f, f.id, group=group, group_id=group.id if group else None,
                                   categories=cats)
        assert got is expected, (profile, form_id, version, f.id, sorted(cats))
        assert prof.withholds_field(f, f.id, group=group, categories=cats,
                                    restricted=True) is (profile != "internal" or expected)


def test_an_unknown_field_is_withheld_from_every_copy_that_leaves_the_team() -> None:
    for name, prof in PROFILES.items():
        assert prof.withholds_field(None, "unknown_field") is (name != "internal"), name


# -- the printed copies ----------------------------------------------------------------------

#: each planted string (tests/reports/conftest.py) and why it is withheld: its categories, or
#: "restricted"
PLANTED: dict[str, set[Category] | str] = {
    "disclosure_label": {D}, "sex_exchange_label": {D}, "sextortion_label": {D},
    "images_label": {D}, "sti_label": {SH, H}, "identity_label": {ID},
    "health_label": {SH, H}, "harm_label": {D}, "harm_flag": {D}, "feeling_words": {OW},
    "trusted_adult": {TP}, "child_voice": {OW}, "rhi_words": {OW}, "discussion": {TP},
    "siblings": {TP}, "where_found": {LOC, INT}, "poc_name": {INT, TP},
    "restricted_action": "restricted", "restricted_decision": "restricted",
}
#: printed in every copy (the positive control)
KEPT = ["kept_label", "open_action", "parent_view", "concerns"]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, engine: FormEngine,
            now: datetime) -> Iterator[tuple[Workspace, Planted]]:
    """A workspace holding the planted case only (no demo caseload)."""
    ws = new_workspace(tmp_path_factory.mktemp("redaction") / "ws")
    case = plant_case(ws, engine, now)
    yield ws, case
    ws.lock()


@pytest.fixture(scope="module")
def copies(planted: tuple[Workspace, Planted], now: datetime) -> dict[str, bytes]:
    ws, case = planted
    meta = PrintMeta(title="RMM case summary", printed_by="Sam Tester", printed_at=now)
    return {name: build_summary(ws, case.person_id, meta=meta, profile=name)
            for name in PROFILES}


def _withheld(profile: str, why: set[Category] | str) -> bool:
    if why == "restricted":
        return profile != "internal"
    assert isinstance(why, set)
    return bool(why & MATRIX[profile])


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_no_withheld_word_is_anywhere_in_the_file(
        copies: dict[str, bytes], planted: tuple[Workspace, Planted], profile: str) -> None:
    _, p = planted
    pdf = copies[profile]
    blob = everything(pdf)
    flat = squashed(blob)
    text = squashed(" ".join(pages_text(pdf)))
    for key, why in PLANTED.items():
        value = getattr(p, key)
        if _withheld(profile, why):
            assert value not in blob, (profile, key)
            assert squashed(value) not in flat, (profile, key)
        else:  # printed where it is not withheld: the search really looks in the right place
            assert squashed(value) in text, (profile, key)
    for key in KEPT:
        assert squashed(getattr(p, key)) in text, (profile, key)
    assert p.harm_words not in blob  # no copy prints what the child said of the harm


def test_a_family_copy_says_the_rule_without_naming_a_withheld_indicator(
        copies: dict[str, bytes], planted: tuple[Workspace, Planted]) -> None:
    """The screening's level and routes are set by withheld indicators: the family copy still
    gives the level and what happens next, but not the indicators' words."""
    _, p = planted
    text = " ".join(" ".join(pages_text(copies["family"])).split())
    assert "Suggested level High" in text
    assert "a rule about answers left out of this copy" in text
    for key in ("disclosure_label", "sextortion_label", "sex_exchange_label"):
        assert squashed(getattr(p, key)) not in squashed(text)
    internal = squashed(" ".join(pages_text(copies["internal"])))
    assert squashed(p.disclosure_label) in internal


def test_a_family_copy_page_can_be_looked_at(copies: dict[str, bytes]) -> None:
    """Pages of the family copy as PNGs under test-artifacts/reports (for a person to look at:
    the indicator table with only the rows this audience may see)."""
    pngs = render_pngs(copies["family"], "summary-family-redaction", first=1, last=4)
    if pngs:
        assert all(png.stat().st_size > 1000 for png in pngs)
