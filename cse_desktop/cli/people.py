"""Adding and listing young people.

A person's details never travel in the command line: argv is readable by every user of the
computer (``/proc/<pid>/cmdline``, ``ps``) and is kept in shell history. ``person add`` asks
for them at prompts, or reads them as a JSON object from ``--from-json FILE`` (``-``: standard
input, after the passphrase line when ``--passphrase-stdin`` is given).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError

from cse_desktop.cli.common import (
    EXIT_OK,
    Commands,
    Secrets,
    command,
    group,
    needs_workspace,
    read_json_file,
    unlock,
)
from cse_desktop.domain.errors import UsageError, ValidationFailed
from cse_desktop.domain.models import Person, RiskLevel
from cse_desktop.store.repositories import plain_errors

#: the options that once carried a person's details in argv; each now refuses with this advice
REMOVED_OPTIONS = ("--given-name", "--family-name", "--dob", "--aka", "--gender", "--postcode",
                   "--worker", "--risk-level")
NOT_IN_ARGV = ("a person's details are not taken from the command line, where every user of "
               "this computer can read them (the process list) and shell history keeps them. "
               "Give them at the prompts (run 'cse-desktop person add --workspace DIR' at a "
               "terminal), or as a JSON object in a file: --from-json FILE (or --from-json - "
               "for standard input), e.g. {\"given_name\": \"...\", \"family_name\": \"...\", "
               "\"dob\": \"YYYY-MM-DD\"}")

#: (field, prompt, required) in the order asked at a terminal
PROMPTS = (("given_name", "Given name", True), ("family_name", "Family name", True),
           ("dob", "Date of birth (YYYY-MM-DD)", True),
           ("also_known_as", "Also known as (comma-separated, optional)", False),
           ("gender", "Gender (optional)", False), ("postcode", "Postcode (optional)", False),
           ("allocated_worker", "Allocated worker (optional)", False),
           ("risk_level", f"Risk level ({', '.join(r.value for r in RiskLevel)}; "
                          f"default {RiskLevel.NOT_ASSESSED.value})", False))


class _Refused(argparse.Action):
    """An option that no longer exists because it would put personal data in argv."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs="?", help=argparse.SUPPRESS)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        raise UsageError(f"{option_string} is no longer accepted: {NOT_IN_ARGV}.")


def person_from(data: object) -> Person:
    """A new person from a JSON object of their fields (``person list --json``'s names)."""
    if not isinstance(data, dict):
        raise ValidationFailed("The person's details must be a JSON object of fields, e.g. "
                               '{"given_name": "...", "family_name": "...", '
                               '"dob": "YYYY-MM-DD"}.')
    own = sorted(set(data) & Person.BOOKKEEPING)
    if own:
        raise ValidationFailed(f"The person was not added: {', '.join(own)} are set by the "
                               "workspace, not given.")
    dob = data.get("dob")
    if isinstance(dob, str):
        try:
            date.fromisoformat(dob)
        except ValueError:
            raise ValidationFailed(f"dob {dob!r} is not a date in the form YYYY-MM-DD.") \
                from None
    try:
        return Person.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(f"The person was not added: {plain_errors(exc)}") from None


def _asked() -> dict[str, object]:
    """The person's details, asked one by one at the terminal."""
    if not sys.stdin.isatty():
        raise UsageError("There is no terminal to ask for the person's details: give them as "
                         "a JSON object with --from-json FILE (or --from-json - for standard "
                         "input).")
    data: dict[str, object] = {}
    for field, prompt, required in PROMPTS:
        answer = " ".join(input(f"{prompt}: ").split())
        if not answer:
            if required:
                raise ValidationFailed(f"The person was not added: {prompt.split(' (')[0]} "
                                       "is required.")
            continue
        data[field] = ([a.strip() for a in answer.split(",") if a.strip()]
                       if field == "also_known_as" else answer)
    return data


def _details(args: argparse.Namespace, secrets: Secrets) -> object:
    if args.from_json is None:
        return _asked()
    if args.from_json != "-":
        return read_json_file(args.from_json, "person's details")
    text = secrets.rest_of_input(after_passphrases=1)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise UsageError(f"The person's details on standard input are not valid JSON: "
                         f"{exc}.") from None


def cmd_person_add(args: argparse.Namespace, secrets: Secrets) -> int:
    person = person_from(_details(args, secrets))  # checked before the workspace is opened
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
    p = command(person, "add", cmd_person_add,
                "add a young person (details asked at prompts, or --from-json); prints the "
                "new id")
    needs_workspace(p)
    p.add_argument("--from-json", metavar="FILE|-",
                   help="the person's details as a JSON object (given_name, family_name, dob "
                        "YYYY-MM-DD, and optionally also_known_as, gender, postcode, "
                        "allocated_worker, risk_level...); '-' reads it from standard input "
                        "(after the passphrase line with --passphrase-stdin). Without it, "
                        "each detail is asked at the terminal")
    for option in REMOVED_OPTIONS:
        p.add_argument(option, action=_Refused)
    p = command(person, "list", cmd_person_list, "list people")
    needs_workspace(p)
    p.add_argument("--json", action="store_true", help="a JSON array of objects")
    p.add_argument("--search", metavar="TEXT", help="only names or aliases containing TEXT")
