"""The ``cse-desktop`` command line: the desktop app, and headless operations for IT and scripts.

With no command it starts the desktop application.  Passphrases are read from an interactive
prompt, or one per line from standard input with ``--passphrase-stdin``; never from argv or the
environment, which other users and logs can see.

Exit codes: 0 ok; 1 other error; 2 usage; 3 wrong passphrase or locked out; 4 integrity or
audit-chain failure; 5 the hub revoked this laptop and its workspace was wiped; 6 the hub
cannot be reached (nothing lost).  Errors are one plain-English line on stderr (a traceback
only with ``--debug``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn, TextIO

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from cse_desktop import __version__
from cse_desktop.casework.demo import populate
from cse_desktop.domain.errors import CseError, UsageError, ValidationFailed, run_command
from cse_desktop.domain.ids import new_id
from cse_desktop.domain.models import Owner, Person, RiskLevel, Role
from cse_desktop.forms.engine import FormContext, FormEngine
from cse_desktop.forms.loader import FormLoadError, FormRegistry
from cse_desktop.forms.samples import check_samples
from cse_desktop.forms.spec import ROUTING_STATUSES, FormSpec, IndicatorField, Level
from cse_desktop.store import KdfParams, Workspace
from cse_desktop.store.repositories import plain_errors

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_INTEGRITY = 0, 1, 2, 3, 4
PROG = "cse-desktop"


#: the levels a Risk Management Meeting may have agreed (the context's rmm_level)
RMM_LEVELS = tuple(level.value for level in Level)


class ScoreContext(BaseModel):
    """The --context file of `forms score`: what the child's record would say."""

    model_config = ConfigDict(extra="forbid")
    age: int | None = Field(default=None, ge=0, le=30)
    sen: bool = False
    missing_episodes_30d: int = Field(default=0, ge=0, le=1000)
    missing_overnight: bool = False
    #: the legal status as the screening's routes see it; unset: none
    legal_status: str | None = None
    #: the level agreed at the child's last Risk Management Meeting, if any
    rmm_level: str | None = None

    @field_validator("legal_status", "rmm_level", mode="before")
    @classmethod
    def _one_of(cls, value: object, info: ValidationInfo) -> object:
        allowed = ROUTING_STATUSES if info.field_name == "legal_status" else RMM_LEVELS
        if value is not None and value not in allowed:
            raise ValueError("must be one of: " + ", ".join(allowed))
        return value


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


class Secrets:
    """Where passphrases come from: a prompt at a terminal, or lines on standard input."""

    def __init__(self, from_stdin: bool, stdin: TextIO | None = None) -> None:
        self.from_stdin = from_stdin
        self._stdin = stdin or sys.stdin
        self._lines: Iterator[str] | None = None

    def ask(self, prompt: str, *, confirm: bool = False) -> str:
        if self.from_stdin:
            if self._lines is None:
                self._lines = iter(self._stdin)
            line = next(self._lines, None)
            if line is None:
                raise UsageError("Expected one more passphrase line on standard input.")
            return line.rstrip("\r\n")
        if not self._stdin.isatty():
            raise UsageError("There is no terminal to ask for the passphrase: use "
                             "--passphrase-stdin and give it on standard input.")
        value = getpass.getpass(f"{prompt}: ")
        if confirm and getpass.getpass(f"{prompt} (again): ") != value:
            raise ValidationFailed("The two passphrases do not match.")
        return value


# -- commands --------------------------------------------------------------------------------


def _workspace(args: argparse.Namespace) -> Path:
    return Path(args.workspace)


def _unlock(args: argparse.Namespace, secrets: Secrets) -> Workspace:
    return Workspace.open(_workspace(args), secrets.ask("Passphrase"))


def _kdf(args: argparse.Namespace) -> KdfParams:
    return KdfParams.insecure_for_tests() if args.insecure_test_kdf else KdfParams.production()


def _create(args: argparse.Namespace, secrets: Secrets) -> tuple[Workspace, str]:
    owner = Owner(name=args.owner or getpass.getuser(), role=Role(args.role), team=args.team)
    passphrase = secrets.ask("New passphrase", confirm=True)
    return Workspace.create(_workspace(args), passphrase, owner, kdf=_kdf(args))


def _print_recovery(code: str) -> None:
    print("Workspace created. Your recovery code (shown only this once; write it down and keep "
          "it apart from this laptop):")
    print(code)


def cmd_init(args: argparse.Namespace, secrets: Secrets) -> int:
    ws, code = _create(args, secrets)
    ws.lock()
    _print_recovery(code)
    return EXIT_OK


def cmd_check(args: argparse.Namespace, secrets: Secrets) -> int:
    with _unlock(args, secrets) as ws:
        report = ws.check()
        if not report.ok:
            for problem in report.integrity + report.audit + report.outbox:
                print(f"problem: {problem}", file=sys.stderr)
            print("The workspace failed its check: restore it from a backup and tell your "
                  "IT team.", file=sys.stderr)
            return EXIT_INTEGRITY
        pending = ws.outbox.count()
        print(f"Workspace sound: encryption and structure intact, audit chain of "
              f"{report.audit_rows} events verified, outbox consistent ({pending} "
              f"change{'s' if pending != 1 else ''} waiting to sync), {report.records} records.")
    return EXIT_OK


def cmd_passwd(args: argparse.Namespace, secrets: Secrets) -> int:
    folder = _workspace(args)
    if args.recovery:
        ws = Workspace.open(folder, recovery_code=secrets.ask("Recovery code"))
        with ws:
            ws.set_passphrase_after_recovery(secrets.ask("New passphrase", confirm=True))
    else:
        old = secrets.ask("Current passphrase")
        with Workspace.open(folder, old) as ws:
            ws.change_passphrase(old, secrets.ask("New passphrase", confirm=True))
    print("Passphrase changed.")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, secrets: Secrets) -> int:
    with _unlock(args, secrets) as ws:
        out = ws.backup(Path(args.out))
    print(f"Backup written to {out} (encrypted; it opens with this workspace's passphrase or "
          "recovery code as they are now).")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, secrets: Secrets) -> int:
    ws = Workspace.restore(Path(args.source), _workspace(args),
                           secrets.ask("Passphrase of the backup"))
    with ws:
        count = ws.people.count()
    print(f"Restored and verified: {count} people in {args.workspace}.")
    return EXIT_OK


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
    with _unlock(args, secrets) as ws:
        stored = ws.people.add(person)
    print(stored.id)
    return EXIT_OK


def cmd_person_list(args: argparse.Namespace, secrets: Secrets) -> int:
    with _unlock(args, secrets) as ws:
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


def cmd_demo(args: argparse.Namespace, secrets: Secrets) -> int:
    folder = _workspace(args)
    code = None
    if Workspace.exists(folder):
        ws = _unlock(args, secrets)
    else:
        ws, code = _create(args, secrets)
    with ws:
        if ws.people.count(include_deleted=True):
            raise ValidationFailed("This workspace already holds records; the demo caseload "
                                   "goes into a new or empty workspace only.")
        counts = populate(ws, people=args.people, seed=args.seed, showcase=args.showcase)
    if code:
        _print_recovery(code)
    print("Demo caseload added (fictional): " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return EXIT_OK


def cmd_hub_connect(args: argparse.Namespace, secrets: Secrets) -> int:
    from cse_desktop.sync.engine import connect

    with _unlock(args, secrets) as ws:
        link = connect(ws, args.url, args.code, ca_file=args.ca, device_name=args.name)
        role = ws.owner.role.value
    print(f"Connected to {link.url} as {link.user} ({link.team}), a {role} on the hub; this "
          f"laptop is device {link.device_id}.")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace, secrets: Secrets) -> int:
    from cse_desktop.sync.engine import sync

    ws = _unlock(args, secrets)
    try:
        summary = sync(ws)
    finally:
        if ws.is_open:
            ws.lock()
    print(summary.line())
    return EXIT_OK


def _print_meta(ws: Workspace, title: str, args: argparse.Namespace, profile_label: str = ""):
    from datetime import UTC, datetime

    from cse_desktop.reports.page import PrintMeta

    return PrintMeta(title=title, printed_by=ws.owner.name, printed_at=datetime.now(UTC),
                     marking=args.marking, profile_label=profile_label)


def _save_print(ws: Workspace, pdf: bytes, args: argparse.Namespace, secrets: Secrets, *,
                what: str, record_kind: str, record_id: str, profile: str) -> int:
    from cse_desktop.reports.output import save_report

    password = secrets.ask("PDF password", confirm=True) if args.protect else None
    digest = save_report(ws, pdf, args.out, what=what, record_kind=record_kind,
                         record_id=record_id, profile=profile, reason=args.reason,
                         password=password)
    print(f"{what} saved to {args.out} ({len(pdf) // 1024 + 1} KB, sha256 {digest[:16]}…)"
          + (", password-protected" if password else ""))
    return EXIT_OK


def _profile_label(name: str) -> str:
    from cse_desktop.reports.redaction import PROFILES

    if name not in PROFILES:
        raise UsageError(f"There is no audience profile {name!r}; choose one of: "
                         + ", ".join(PROFILES) + ".")
    return PROFILES[name].label


def cmd_print_summary(args: argparse.Namespace, secrets: Secrets) -> int:
    from cse_desktop.reports.summary import build_summary

    label = _profile_label(args.profile)
    sections = set(args.sections.split(",")) if args.sections else None
    with _unlock(args, secrets) as ws:
        pdf = build_summary(ws, args.person, profile=args.profile, sections=sections,
                            date_from=_date_arg(args.date_from, "--from"),
                            date_to=_date_arg(args.date_to, "--to"),
                            meta=_print_meta(ws, "RMM case summary", args, label))
        return _save_print(ws, pdf, args, secrets, what="RMM case summary",
                           record_kind="person", record_id=args.person, profile=args.profile)


def cmd_print_agenda(args: argparse.Namespace, secrets: Secrets) -> int:
    from cse_desktop.reports.agenda import build_agenda

    label = _profile_label(args.profile)
    meeting = _date_arg(args.date, "--date")
    assert meeting is not None
    with _unlock(args, secrets) as ws:
        pdf = build_agenda(ws, meeting, profile=args.profile,
                           meta=_print_meta(ws, f"RMM agenda pack {meeting:%d %b %Y}", args,
                                            label))
        return _save_print(ws, pdf, args, secrets, what=f"RMM agenda pack for {meeting}",
                           record_kind="", record_id="", profile=args.profile)


def cmd_print_profile(args: argparse.Namespace, secrets: Secrets) -> int:
    from cse_desktop.casework.quarters import Quarter
    from cse_desktop.reports.profile import build_profile

    quarter = (Quarter.parse(args.quarter) if args.quarter else
               Quarter.last_complete(date.today(), financial=not args.calendar))
    home = " ".join((args.home_authority or _saved_home_authority()).split())
    if not home:
        raise UsageError("Say which council this is with --home-authority NAME (for example "
                         "--home-authority 'Surrey County Council'), or set it in the "
                         "desktop's print options: without it the profile cannot tell looked "
                         "after children placed here by other authorities from this "
                         "authority's own.")
    version = "shareable" if args.shareable else "restricted"
    with _unlock(args, secrets) as ws:
        pdf = build_profile(ws, quarter, shareable=args.shareable, home_la=home,
                            meta=_print_meta(ws, f"Missing profile {quarter}", args))
        return _save_print(ws, pdf, args, secrets,
                           what=f"Quarterly missing profile {quarter} ({version})",
                           record_kind="", record_id="", profile=version)


def _saved_home_authority() -> str:
    """The home authority saved by the desktop's print options, if any."""
    try:
        from cse_desktop.qt.settings import load_home_authority
    except ImportError:  # no Qt on this machine: the option is needed
        return ""
    return load_home_authority()


def _date_arg(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} takes a date as YYYY-MM-DD, not {value!r}.") from None


def _registry(folder: str | None = None) -> FormRegistry:
    try:
        return FormRegistry.load(Path(folder) if folder else None)
    except FormLoadError as exc:
        raise CseError("The form files have problems (run 'cse-desktop forms check'): "
                       + str(exc.problems[0])) from None


def _read_json_file(path: str, what: str) -> object:
    file = Path(path)
    try:
        if file.stat().st_size > 5 * 1024 * 1024:
            raise UsageError(f"The {what} file {path} is too large (5 MiB at most).")
        return json.loads(file.read_text("utf-8"))
    except FileNotFoundError:
        raise UsageError(f"There is no {what} file at {path}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"The {what} file {path} is not valid JSON: {exc}.") from None
    except (RecursionError, ValueError):  # nested too deeply, or a number too long to read
        raise UsageError(f"The {what} file {path} cannot be read: it is nested too deeply "
                         "or holds a number too long.") from None
    except IsADirectoryError:
        raise UsageError(f"The {what} file {path} is a folder.") from None


def cmd_forms_check(args: argparse.Namespace, secrets: Secrets) -> int:
    folder = Path(args.dir) if args.dir else None
    try:
        registry = FormRegistry.load(folder)
    except FormLoadError as exc:
        for problem in exc.problems:
            print(problem)
        return EXIT_ERROR
    problems = check_samples(FormEngine(registry), folder)
    for problem in problems:
        print(problem)
    if problems:
        return EXIT_ERROR
    for form_id in registry.ids():
        versions = ", ".join(f"v{v}" for v in registry.versions(form_id))
        print(f"{form_id}: {versions} ok")
    return EXIT_OK


def _describe_field(f: object) -> dict:
    indicator = isinstance(f, IndicatorField)
    out = {"id": f.id, "type": f.type, "label": f.label,  # type: ignore[attr-defined]
           "required": f.required,  # type: ignore[attr-defined]
           "group": f.group if indicator else None,  # type: ignore[attr-defined]
           "tier": f.tier.value if indicator else None}  # type: ignore[attr-defined]
    if indicator:
        out["modules"] = list(f.modules)  # type: ignore[attr-defined]
        out["present"] = ["yes", "no", "possible"] if f.allow_possible \
            else ["yes", "no"]  # type: ignore[attr-defined]
        out["asks_timing"] = f.asks_timing  # type: ignore[attr-defined]
        out["timings"] = [t.value for t in f.timing_values]  # type: ignore[attr-defined]
    if f.type == "repeat":  # type: ignore[attr-defined]
        out["fields"] = [_describe_field(sub) for sub in f.fields]  # type: ignore[attr-defined]
    return out


def _form(args: argparse.Namespace, registry: FormRegistry | None = None) -> FormSpec:
    registry = registry or _registry()
    try:
        return registry.get(args.form, args.version)
    except KeyError:
        known = ", ".join(registry.ids())
        version = f" version {args.version}" if args.version else ""
        raise UsageError(f"There is no form '{args.form}'{version} (forms: {known}).") from None


def cmd_forms_describe(args: argparse.Namespace, secrets: Secrets) -> int:
    spec = _form(args)
    fields = [_describe_field(f) for f in spec.all_fields()]
    if args.json:
        print(json.dumps(fields, ensure_ascii=False, indent=1))
        return EXIT_OK
    print(f"{spec.title} ({spec.id} v{spec.version})")
    for f in fields:
        timing = ""
        if f["tier"]:
            timing = f"; timing: {', '.join(f['timings'])}" if f["asks_timing"] \
                else "; no timing"
        extra = f"  [{f['group']} / {f['tier']}{timing}]" if f["tier"] else ""
        print(f"  {f['id']:<40} {f['type']:<16} {'*' if f['required'] else ' '} "
              f"{f['label']}{extra}")
    return EXIT_OK


def cmd_forms_score(args: argparse.Namespace, secrets: Secrets) -> int:
    spec = _form(args)
    engine = FormEngine(_registry())
    answers = _read_json_file(args.answers, "answers")
    if not isinstance(answers, dict):
        raise UsageError("The answers file must hold a JSON object of {field_id: value}.")
    ctx = FormContext()
    if args.context:
        raw = _read_json_file(args.context, "context")
        if not isinstance(raw, dict):
            raise UsageError('The context file must hold a JSON object such as {"age": 14, '
                             '"sen": false, "missing_episodes_30d": 0, '
                             '"missing_overnight": false, "legal_status": "none", '
                             '"rmm_level": null}.')
        try:
            ctx = FormContext(**ScoreContext.model_validate(raw).model_dump())
        except ValidationError as exc:
            raise UsageError(f"The context file is not right: {plain_errors(exc)}.") from None
    draft = engine.start(spec.id, new_id(), version=spec.version,
                         episode_id=new_id() if spec.needs_episode else None)
    try:
        draft = engine.set_answers(draft, answers)
    except ValidationFailed as exc:
        raise UsageError(f"The answers file is not right: {exc.message}") from None
    outcome = engine.outcome(draft, ctx)
    result = {"total": outcome.get("total"), "suggested_level": outcome.get("suggested_level"),
              "rules_fired": outcome.get("rules_fired", []),
              "pathway": outcome.get("pathway"), **outcome}
    print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    return EXIT_OK


def cmd_forms_rules(args: argparse.Namespace, secrets: Secrets) -> int:
    from datetime import UTC, datetime

    from cse_desktop.reports.output import write_pdf
    from cse_desktop.reports.page import PrintMeta
    from cse_desktop.reports.rulesheet import build_rulesheet, read_form_source

    registry = _registry()
    spec = _form(args, registry)
    if spec.scoring is None:
        scored = ", ".join(i for i in registry.ids() if registry.get(i).scoring is not None)
        raise UsageError(f"The form '{spec.id}' version {spec.version} has no scoring rule to "
                         f"print (forms with one: {scored or 'none'}).")
    assert registry.root is not None
    path = registry.root / spec.id / f"v{spec.version}.yaml"
    try:
        source = read_form_source(path, str(path.relative_to(registry.root.parent)))
    except (OSError, UnicodeDecodeError, FormLoadError):
        source = None
    if source is None or source.spec != spec:
        raise CseError(f"The form file {path} changed while it was being read; print the rule "
                       "sheet again (and run 'cse-desktop forms check').")
    try:
        printed_by = getpass.getuser()
    except (KeyError, OSError):
        printed_by = "unknown user"
    meta = PrintMeta(title=f"Rule sheet: {spec.title} v{spec.version}", printed_by=printed_by,
                     printed_at=datetime.now(UTC), marking=args.marking)
    pdf = build_rulesheet(source, meta)
    write_pdf(pdf, args.out)
    print(f"Rule sheet for {spec.id} v{spec.version} saved to {args.out} "
          f"({len(pdf) // 1024 + 1} KB); form file {source.file_name}, sha256 {source.sha256}")
    return EXIT_OK


def cmd_forms_schema(args: argparse.Namespace, secrets: Secrets) -> int:
    print(json.dumps(FormSpec.model_json_schema(), indent=1))
    return EXIT_OK


def cmd_gui(args: argparse.Namespace, secrets: Secrets) -> int:
    from cse_desktop.qt.app import run  # the desktop UI loads only when asked for

    return run(sys.argv[:1], workspace=Path(args.workspace) if args.workspace else None)


# -- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="CSE Desktop: encrypted, offline case recording for "
                     "child-exploitation safeguarding. With no command, starts the desktop app.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show a full traceback when something fails")
    parser.add_argument("--passphrase-stdin", action="store_true",
                        help="read passphrases from standard input, one per line")
    parser.add_argument("--self-test", action="store_true",
                        help="start the app offscreen, fill in and finalise a sample of every "
                             "form in a temporary workspace, print one line, exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def command(name: str, func: Callable[..., int], help_text: str,
                parent: argparse._SubParsersAction = sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        p.add_argument("--passphrase-stdin", action="store_true", default=argparse.SUPPRESS,
                       help="read passphrases from standard input, one per line")
        return p

    def needs_workspace(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workspace", required=True, metavar="DIR",
                       help="the workspace folder")

    def owner_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--owner", metavar="NAME", help="your name (default: your login name)")
        p.add_argument("--role", choices=[r.value for r in Role], default=Role.PRACTITIONER.value)
        p.add_argument("--team", default="Unassigned", metavar="TEAM")
        # Cheap key derivation, for automated tests only: never use it for real data.
        p.add_argument("--insecure-test-kdf", action="store_true", help=argparse.SUPPRESS)

    gui = command("gui", cmd_gui, "start the desktop application (the default)")
    gui.add_argument("--workspace", metavar="DIR", help="open this workspace folder")

    p = command("init", cmd_init, "create a new encrypted workspace")
    needs_workspace(p)
    owner_options(p)

    p = command("check", cmd_check,
                "unlock, then check encryption, structure, the audit chain and the outbox")
    needs_workspace(p)

    p = command("passwd", cmd_passwd, "change the workspace passphrase (old, then new)")
    needs_workspace(p)
    p.add_argument("--recovery", action="store_true",
                   help="unlock with the recovery code instead of the old passphrase")

    p = command("backup", cmd_backup, "write an encrypted backup of the workspace to one file")
    needs_workspace(p)
    p.add_argument("--out", required=True, metavar="FILE")

    p = command("restore", cmd_restore, "restore a backup into a new workspace folder")
    p.add_argument("--from", dest="source", required=True, metavar="FILE")
    needs_workspace(p)

    person = sub.add_parser("person", help="add or list people")
    person_sub = person.add_subparsers(dest="person_command", parser_class=_Parser, required=True)
    p = command("add", cmd_person_add, "add a young person; prints the new id", person_sub)
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
    p = command("list", cmd_person_list, "list people", person_sub)
    needs_workspace(p)
    p.add_argument("--json", action="store_true", help="a JSON array of objects")
    p.add_argument("--search", metavar="TEXT", help="only names or aliases containing TEXT")

    forms = sub.add_parser("forms", help="check, describe and score the practice forms; print "
                          "a scored form's rule sheet")
    forms_sub = forms.add_subparsers(dest="forms_command", parser_class=_Parser, required=True)
    p = command("check", cmd_forms_check, "check every form file; one line per problem",
                forms_sub)
    p.add_argument("dir", nargs="?", help="the forms folder (default: the built-in forms)")
    def form_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--form", required=True, metavar="ID")
        p.add_argument("--version", type=int, metavar="N", help="default: the latest")

    p = command("describe", cmd_forms_describe, "list a form's fields", forms_sub)
    form_options(p)
    p.add_argument("--json", action="store_true")
    p = command("score", cmd_forms_score, "score answers with a form's rules", forms_sub)
    form_options(p)
    p.add_argument("--answers", required=True, metavar="FILE", help="JSON {field_id: value}")
    p.add_argument("--context", metavar="FILE",
                   help='JSON {"age", "sen", "missing_episodes_30d", "missing_overnight", '
                        '"legal_status", "rmm_level"}')
    p = command("rules", cmd_forms_rules, "print a scored form's whole rule as a PDF rule "
                "sheet to read and sign off", forms_sub)
    form_options(p)
    p.add_argument("--out", required=True, metavar="FILE", help="the PDF to write")
    p.add_argument("--marking", default="OFFICIAL",
                   help="the protective marking at the top and bottom of every page (default "
                        "OFFICIAL: the sheet holds no personal data)")
    command("schema", cmd_forms_schema, "print the JSON Schema of form files", forms_sub)

    printing = sub.add_parser("print", help="print (save as PDF) summaries, agenda packs and "
                              "the quarterly missing profile; every print is audited")
    print_sub = printing.add_subparsers(dest="print_command", parser_class=_Parser,
                                        required=True)

    def print_options(p: argparse.ArgumentParser) -> None:
        needs_workspace(p)
        p.add_argument("--out", required=True, metavar="FILE", help="the PDF to write")
        p.add_argument("--reason", required=True, metavar="TEXT",
                       help="why you are printing it (required; kept in the audit log)")
        p.add_argument("--marking", default="OFFICIAL-SENSITIVE",
                       help="the protective marking at the top and bottom of every page")
        p.add_argument("--protect", action="store_true",
                       help="password-protect the PDF (AES-256); the password is asked for "
                            "(or read from standard input after the passphrase)")

    p = command("summary", cmd_print_summary, "an RMM case summary for one young person",
                print_sub)
    print_options(p)
    p.add_argument("--person", required=True, metavar="ID")
    p.add_argument("--profile", default="internal", metavar="NAME",
                   help="the audience: internal, police, education, health or family")
    p.add_argument("--sections", metavar="A,B,...", help="only these sections")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                   help="chronology from this date")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="chronology to this date")
    p = command("agenda", cmd_print_agenda, "the agenda pack for a Risk Management Meeting",
                print_sub)
    print_options(p)
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the meeting date")
    p.add_argument("--profile", default="internal", metavar="NAME")
    p = command("profile", cmd_print_profile, "the quarterly missing-episode profile",
                print_sub)
    print_options(p)
    p.add_argument("--quarter", metavar="QUARTER",
                   help="FY2026-27Q1 (financial year, April to March: Q1 is April to June) or "
                        "2026Q3 (calendar year); default: the last complete financial-year "
                        "quarter")
    p.add_argument("--calendar", action="store_true",
                   help="without --quarter: the last complete calendar quarter instead")
    p.add_argument("--home-authority", metavar="NAME",
                   help="this council's name, to tell its own looked after children from "
                        "those placed here by others (default: the desktop's setting)")
    p.add_argument("--shareable", action="store_true",
                   help="the shareable version: counts under 5 suppressed")

    hub = sub.add_parser("hub", help="connect this workspace to the team's hub")
    hub_sub = hub.add_subparsers(dest="hub_command", parser_class=_Parser, required=True)
    p = command("connect", cmd_hub_connect,
                "enrol this laptop with a hub, using the one-time code from the hub's admin",
                hub_sub)
    needs_workspace(p)
    p.add_argument("--url", required=True, help="the hub's address, https://...")
    p.add_argument("--code", required=True, help="the one-time enrolment code")
    p.add_argument("--ca", metavar="FILE",
                   help="trust only this CA certificate (PEM) for the hub, not the system's")
    p.add_argument("--name", help="this laptop's name on the hub (default: its host name)")

    p = command("sync", cmd_sync, "send waiting changes to the hub and receive the team's")
    needs_workspace(p)

    p = command("demo", cmd_demo, "add a deterministic, fictional demo caseload")
    needs_workspace(p)
    p.add_argument("--people", type=int, default=25, metavar="N")
    p.add_argument("--seed", type=int, default=1, metavar="S")
    p.add_argument("--showcase", action="store_true",
                   help="also add the five young people the desktop's demo shows: return home "
                        "interviews due, overdue, late and declined, and a meeting's themes")
    owner_options(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def body() -> int:
        args = build_parser().parse_args(argv)
        if args.self_test:
            from cse_desktop.qt.selftest import run_self_test  # loads Qt only when asked

            return run_self_test()
        if args.command is None:
            args = build_parser().parse_args([*argv, "gui"])
        secrets = Secrets(from_stdin=args.passphrase_stdin)
        if args.command == "demo" and not 1 <= args.people <= 10_000:
            raise UsageError("--people must be between 1 and 10000.")
        return args.func(args, secrets)

    return run_command(PROG, body, debug="--debug" in argv)
