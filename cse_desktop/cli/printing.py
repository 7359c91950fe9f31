"""Printing (saving as PDF) the print jobs of :mod:`cse_desktop.reports.jobs`, each audited."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from cse_desktop.casework.quarters import Quarter
from cse_desktop.cli.common import (
    EXIT_OK,
    Commands,
    Secrets,
    command,
    date_arg,
    group,
    needs_workspace,
    unlock,
)
from cse_desktop.domain.errors import UsageError
from cse_desktop.reports.jobs import (
    Document,
    PrintJob,
    agenda_job,
    audience_label,
    profile_document,
    profile_job,
    summary_job,
)

NO_REASON = ("Say why you are printing it: on the line after the passphrase with "
             "--passphrase-stdin, at the prompt, or with --reason TEXT (never a name there: "
             "other users of this computer can read the command line).")


def _print(args: argparse.Namespace, secrets: Secrets, job: PrintJob, document: Document,
           **options: Any) -> int:
    """Build ``document``, save it where ``--out`` says (protected if asked) and audit it."""
    with unlock(args, secrets) as ws:
        reason = args.reason if args.reason is not None else secrets.line(
            "Why are you printing it (kept in the audit log)", NO_REASON)
        pdf = job.render(ws, document, args.marking, options)
        protect = document.protect_by_default if args.protect is None else args.protect
        password = secrets.ask("PDF password", confirm=True) if protect else None
        digest = job.save(ws, document, pdf, args.out, reason=reason, password=password)
    print(f"{document.what} saved to {args.out} ({len(pdf) // 1024 + 1} KB, sha256 "
          f"{digest[:16]}…)" + (", password-protected" if password else ""))
    return EXIT_OK


def cmd_print_summary(args: argparse.Namespace, secrets: Secrets) -> int:
    job = summary_job(args.person)
    document = job.document(args.profile)
    return _print(args, secrets, job, document,
                  sections=set(args.sections.split(",")) if args.sections else None,
                  date_from=date_arg(args.date_from, "--from"),
                  date_to=date_arg(args.date_to, "--to"))


def cmd_print_agenda(args: argparse.Namespace, secrets: Secrets) -> int:
    audience_label(args.profile)  # an unknown audience is reported before a bad date
    meeting = date_arg(args.date, "--date")
    assert meeting is not None  # a required option
    job = agenda_job(meeting)
    return _print(args, secrets, job, job.document(args.profile))


def cmd_print_profile(args: argparse.Namespace, secrets: Secrets) -> int:
    quarter = (Quarter.parse(args.quarter) if args.quarter else
               Quarter.last_complete(date.today(), financial=not args.calendar))
    home = " ".join((args.home_authority or _saved_home_authority()).split())
    if not home:
        raise UsageError("Say which council this is with --home-authority NAME (for example "
                         "--home-authority 'Surrey County Council'), or set it in the "
                         "desktop's print options: without it the profile cannot tell looked "
                         "after children placed here by other authorities from this "
                         "authority's own.")
    return _print(args, secrets, profile_job(),
                  profile_document(quarter, shareable=args.shareable),
                  quarter=quarter, shareable=args.shareable, home_la=home)


def _saved_home_authority() -> str:
    """The home authority saved by the desktop's print options, if any."""
    try:
        from cse_desktop.qt.settings import load_home_authority
    except ImportError:  # no Qt on this machine: the option is needed
        return ""
    return load_home_authority()


def _print_options(p: argparse.ArgumentParser) -> None:
    needs_workspace(p)
    p.add_argument("--out", required=True, metavar="FILE", help="the PDF to write")
    p.add_argument("--reason", metavar="TEXT",
                   help="why you are printing it (required; kept in the audit log). Without "
                        "it the reason is asked, or read as the line after the passphrase "
                        "with --passphrase-stdin: do that whenever it names anyone, since "
                        "other users of the computer can read the command line")
    p.add_argument("--marking", default="OFFICIAL-SENSITIVE",
                   help="the protective marking at the top and bottom of every page")
    p.add_argument("--protect", action=argparse.BooleanOptionalAction,
                   help="password-protect the PDF (AES-256); the password is asked for "
                        "(or read from standard input after the passphrase and the reason). "
                        "Default: on for a copy leaving the team (the police, education, "
                        "health and family profiles), off otherwise")


def add_commands(sub: Commands) -> None:
    """print summary, agenda and profile."""
    printing = group(sub, "print", "print (save as PDF) summaries, agenda packs and the "
                     "quarterly missing profile; every print is audited", "print_command")
    p = command(printing, "summary", cmd_print_summary,
                "an RMM case summary for one young person")
    _print_options(p)
    p.add_argument("--person", required=True, metavar="ID")
    p.add_argument("--profile", default="internal", metavar="NAME",
                   help="the audience: internal, police, education, health or family")
    p.add_argument("--sections", metavar="A,B,...", help="only these sections")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                   help="chronology from this date")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="chronology to this date")
    p = command(printing, "agenda", cmd_print_agenda,
                "the agenda pack for a Risk Management Meeting")
    _print_options(p)
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the meeting date")
    p.add_argument("--profile", default="internal", metavar="NAME")
    p = command(printing, "profile", cmd_print_profile, "the quarterly missing-episode profile")
    _print_options(p)
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
