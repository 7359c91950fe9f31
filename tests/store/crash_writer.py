"""Child process for test_crash.py: write records until killed.

    python tests/store/crash_writer.py WORKSPACE_FOLDER SEED   (passphrase on the first stdin line)

Opens the workspace, prints ``ready``, then loops for ever.  Each acknowledged change is printed
(and flushed) only after its transaction has committed:

* ``P <id>``           a person was added
* ``P <id>`` ``E <id>`` a person and an episode, added in one transaction (one write)
* ``U <id> <version>`` a person was updated and is now at ``version``

The parent SIGKILLs this process at a random moment and then checks that every acknowledged
change survived.  Only fictional data.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, date, datetime, timedelta

from cse_desktop.domain.models import Episode, Person
from cse_desktop.store import Workspace

GIVEN = ["Ashlyn", "Bram", "Corin", "Dace", "Elowen", "Fenn", "Gwyn", "Hollis", "Jory", "Lark"]
FAMILY = ["Ambervale", "Brackenridge", "Coldharbour", "Dunmore", "Everholt", "Fallowfield"]
SCHOOLS = ["Fictional Park Academy", "Imaginary Vale School", "Demo Hill College"]


def _person(rng: random.Random) -> Person:
    return Person(given_name=rng.choice(GIVEN), family_name=rng.choice(FAMILY),
                  also_known_as=[f"Crash{rng.randrange(1000)}"] if rng.random() < 0.3 else [],
                  dob=date.today() - timedelta(days=rng.randint(11 * 365, 17 * 365)),
                  school=rng.choice(SCHOOLS), address="1 Imaginary Road, Demo Town " * 3)


def main() -> None:
    folder, seed = sys.argv[1], int(sys.argv[2])
    passphrase = sys.stdin.readline().rstrip("\n")
    rng = random.Random(seed)
    out = sys.stdout
    ws = Workspace.open(folder, passphrase)
    out.write("ready\n")
    out.flush()
    mine: list[str] = []
    while True:
        roll = rng.random()
        if roll < 0.6 or not mine:
            person = ws.people.add(_person(rng))
            mine.append(person.id)
            out.write(f"P {person.id}\n")
        elif roll < 0.8:
            start = datetime.now(UTC) - timedelta(hours=rng.randint(41, 200))
            with ws.transaction():
                person = ws.people.add(_person(rng))
                episode = ws.episodes.add(Episode(
                    person_id=person.id, started_at=start,
                    returned_at=start + timedelta(hours=rng.randint(1, 40)),
                    police_reference=f"CRASH-{rng.randrange(100000)}"))
            mine.append(person.id)
            out.write(f"P {person.id}\nE {episode.id}\n")
        else:
            current = ws.people.get(rng.choice(mine))
            changed = current.model_copy(update={"school": f"{rng.choice(SCHOOLS)} {roll:.6f}"})
            stored = ws.people.update(changed)
            out.write(f"U {stored.id} {stored.version}\n")
        out.flush()


if __name__ == "__main__":
    main()
