"""Make ``tests/store/fixtures/schema2/``: a workspace exactly as schema 2 (the release before
sync) left it, with a draft form half filled in, so an upgrade is shown to keep drafts.

Run it once from the repository root and commit the two files it makes::

    .venv/bin/python tests/store/make_schema2_fixture.py

The tests copy the fixture before opening it. The passphrase is ``FIXTURE_PASSPHRASE``; the
key file uses the cheap test KDF. Everything in it is fictional.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

from cse_desktop.domain.models import Episode, Owner, Person, Submission
from cse_desktop.store import KdfParams, Workspace

FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures" / "schema2"
FIXTURE_PASSPHRASE = "schema two fixture passphrase"
FIXTURE_OWNER = Owner(name="Fixture Worker Two", role="practitioner", team="Fixture Team")

ASH = "66666666-6666-4666-8666-666666666666"
EPISODE = "77777777-7777-4777-8777-777777777777"
FINAL = "88888888-8888-4888-8888-888888888888"
DRAFT = "99999999-9999-4999-8999-999999999999"
DRAFT_ANSWERS = {"childs_account": "A fictional account typed before the upgrade, not final.",
                 "interview_offered": "yes"}


def make(folder: Path) -> None:
    ws, _ = Workspace.create(folder, FIXTURE_PASSPHRASE, FIXTURE_OWNER,
                             kdf=KdfParams.insecure_for_tests(), schema_version=2)
    try:
        ws.people.add(Person(id=ASH, given_name="Ash", family_name="Brackenmoor",
                             also_known_as=["Sparrow"], dob=date(2011, 9, 9)))
        ws.episodes.add(Episode(id=EPISODE, person_id=ASH,
                                started_at=datetime(2025, 1, 10, 21, 0, tzinfo=UTC),
                                returned_at=datetime(2025, 1, 11, 8, 30, tzinfo=UTC)))
        ws.submissions.add(Submission(id=FINAL, form_id="rmm-review", form_version=1,
                                      person_id=ASH, answers={"note": "final at schema 2"}))
        ws.submissions.finalise(FINAL, outcome={},
                                finalised_at=datetime(2025, 1, 12, 9, 0, tzinfo=UTC))
        ws.submissions.add(Submission(id=DRAFT, form_id="return-home-interview",
                                      form_version=1, person_id=ASH, episode_id=EPISODE,
                                      answers=DRAFT_ANSWERS))
        assert ws.schema_version == 2
        assert ws.check().ok
    finally:
        ws.lock()
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["workspace.db", "workspace.key"], names


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURE_DIR
    make(target)
    print(f"made {target}")
