"""The ``cse-desktop`` command line: the desktop app, and headless operations for IT and scripts.

With no command it starts the desktop application.  Passphrases are read from an interactive
prompt, or one per line from standard input with ``--passphrase-stdin``; never from argv or the
environment, which other users and logs can see.

Exit codes: 0 ok; 1 other error; 2 usage; 3 wrong passphrase or locked out; 4 integrity or
audit-chain failure; 5 the hub revoked this laptop and its workspace was wiped; 6 the hub
cannot be reached (nothing lost).  Errors are one plain-English line on stderr (a traceback
only with ``--debug``).

The commands live by subject: ``workspace`` (gui, init, check, passwd, backup, restore, demo),
``people``, ``forms``, ``printing`` and ``hub``; ``common`` holds what they share.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from cse_desktop import __version__
from cse_desktop.cli import forms, hub, people, printing, workspace
from cse_desktop.cli.common import PROG, Parser, Secrets
from cse_desktop.domain.errors import UsageError, run_command

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="CSE Desktop: encrypted, offline case recording for "
                    "child-exploitation safeguarding. With no command, starts the desktop app.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show a full traceback when something fails")
    parser.add_argument("--passphrase-stdin", action="store_true",
                        help="read passphrases from standard input, one per line")
    parser.add_argument("--self-test", action="store_true",
                        help="start the app offscreen, fill in and finalise a sample of every "
                             "form in a temporary workspace, print one line, exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    workspace.add_commands(sub)
    people.add_commands(sub)
    forms.add_commands(sub)
    printing.add_commands(sub)
    hub.add_commands(sub)
    workspace.add_demo_command(sub)
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
        status: int = args.func(args, secrets)
        return status

    return run_command(PROG, body, debug="--debug" in argv)
