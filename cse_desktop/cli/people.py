"""Adding and listing young people."""

from __future__ import annotations

import argparse
import json
from datetime import date

from pydantic import ValidationError

from cse_desktop.cli.common import (
    EXIT_OK,
    Commands,
    Secrets,
    command,
    group,
    needs_workspace,
    unlock,
)
from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.models import Person, RiskLevel
from cse_desktop.store.repositories import plain_errors


def cmd_person_add(args: argparse.Namespace, secrets: Secrets) -> int:
    try:
        dob = date.fromisoformat(args.dob)
    except ValueError:
        raise ValidationFailed(f"--dob {args.dob!r} is not a date in the form YYYY-MM-DD.") \
            from None
    try:
        person = Person(given_name=args.given_name, family_name=args.family_name, dob=dob,
                        also_known_as=args.aka or [], gender=args.gender or "",
                        postcode=args.postcode or "", allocated_worker=args.worker or "",
                        risk_level=RiskLevel(args.risk_level))
    except ValidationError as exc:
        raise ValidationFailed(f"The person was not added: {plain_errors(exc)}") from None
    with unlock(args, secrets) as ws:
        stored = ws.people.add(person)
    print(stored.id)
    return EXIT_OK


def cmd_person_list(args: argparse.Namespace, secrets: Secrets) -> int:
    with unlock(args, secrets) as ws:
        people = ws.people.search(args.search or "")
    if args.json:
        rows = [{"id": p.id, **p.content(), "version": p.version} for p in people]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return EXIT_OK
    for p in people:
        print(f"{p.id}  {p.family_name}, {p.given_name}  {p.dob.isoformat()}  "
              f"risk: {p.risk_level.value}")
    print(f"{len(people)} people")
    return EXIT_OK


def add_commands(sub: Commands) -> None:
    """person add, person list."""
    person = group(sub, "person", "add or list people", "person_command")
    p = command(person, "add", cmd_person_add, "add a young person; prints the new id")
    needs_workspace(p)
    p.add_argument("--given-name", required=True)
    p.add_argument("--family-name", required=True)
    p.add_argument("--dob", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--aka", action="append", metavar="NAME", help="also known as (repeatable)")
    p.add_argument("--gender")
    p.add_argument("--postcode")
    p.add_argument("--worker", help="allocated worker")
    p.add_argument("--risk-level", choices=[r.value for r in RiskLevel],
                   default=RiskLevel.NOT_ASSESSED.value)
    p = command(person, "list", cmd_person_list, "list people")
    needs_workspace(p)
    p.add_argument("--json", action="store_true", help="a JSON array of objects")
    p.add_argument("--search", metavar="TEXT", help="only names or aliases containing TEXT")
