"""What every command shares: exit codes, the parser, passphrases, opening the workspace."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import NoReturn, TextIO

from cse_desktop.domain.errors import UsageError, ValidationFailed
from cse_desktop.domain.models import Owner, Role
from cse_desktop.store import Workspace

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_INTEGRITY = 0, 1, 2, 3, 4
PROG = "cse-desktop"


class Parser(argparse.ArgumentParser):
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

    def line(self, prompt: str, missing: str) -> str:
        """One line of text that is not a secret (shown as typed): asked at a terminal, or
        the next line of standard input with ``--passphrase-stdin``; ``missing`` says how to
        give it when there is neither."""
        if self.from_stdin:
            if self._lines is None:
                self._lines = iter(self._stdin)
            line = next(self._lines, None)
            if line is None:
                raise UsageError(missing)
            return line.rstrip("\r\n")
        if not self._stdin.isatty():
            raise UsageError(missing)
        return input(f"{prompt}: ")

    def rest_of_input(self, *, after_passphrases: int) -> str:
        """The rest of standard input as a document (e.g. JSON), read once; with
        ``--passphrase-stdin`` the first ``after_passphrases`` lines are the passphrases,
        kept for :meth:`ask`."""
        if self.from_stdin:
            if self._lines is None:
                self._lines = iter(self._stdin)
            ahead = [line for _, line in zip(range(after_passphrases), self._lines,
                                             strict=False)]
            text = "".join(self._lines)
            self._lines = iter(ahead)
            return text
        return self._stdin.read()


#: a command: ``func(args, secrets) -> exit status``
Command = Callable[[argparse.Namespace, Secrets], int]
#: where a group's commands are added (``parser.add_subparsers()``)
Commands = argparse._SubParsersAction


def command(parent: Commands, name: str, func: Command,
            help_text: str) -> argparse.ArgumentParser:
    """Add the command ``name`` (running ``func``) to ``parent``."""
    p: argparse.ArgumentParser = parent.add_parser(name, help=help_text,
                                                   description=help_text)
    p.set_defaults(func=func)
    p.add_argument("--passphrase-stdin", action="store_true", default=argparse.SUPPRESS,
                   help="read passphrases from standard input, one per line")
    return p


def group(parent: Commands, name: str, help_text: str, dest: str) -> Commands:
    """Add the group of commands ``name`` (``cse-desktop person add``...) to ``parent``."""
    parser = parent.add_parser(name, help=help_text)
    return parser.add_subparsers(dest=dest, parser_class=Parser, required=True)


def needs_workspace(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workspace", required=True, metavar="DIR", help="the workspace folder")


def owner_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--owner", metavar="NAME", help="your name (default: your login name)")
    p.add_argument("--role", choices=[r.value for r in Role], default=Role.PRACTITIONER.value)
    p.add_argument("--team", default="Unassigned", metavar="TEAM")


def workspace_folder(args: argparse.Namespace) -> Path:
    return Path(args.workspace)


def unlock(args: argparse.Namespace, secrets: Secrets) -> Workspace:
    ws = Workspace.open(workspace_folder(args), secrets.ask("Passphrase"))
    if ws.recovery_code_used:
        print(f"{PROG}: note: this workspace was unlocked with its recovery code, and no new "
              f"one has been made yet: run '{PROG} passwd --new-recovery-code --workspace "
              f"{args.workspace}' (or '--rekey' if the code may have been seen).",
              file=sys.stderr)
    return ws


def create(args: argparse.Namespace, secrets: Secrets) -> tuple[Workspace, str]:
    """A new workspace (the passphrase asked for twice); returns it open, and its recovery
    code."""
    owner = Owner(name=args.owner or getpass.getuser(), role=Role(args.role), team=args.team)
    passphrase = secrets.ask("New passphrase", confirm=True)
    return Workspace.create(workspace_folder(args), passphrase, owner)


def date_arg(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} takes a date as YYYY-MM-DD, not {value!r}.") from None


def read_json_file(path: str, what: str) -> object:
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
