"""The workspace's own commands: the desktop, create, check, passphrase, backup and restore,
and a demo caseload."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cse_desktop.casework.demo import populate
from cse_desktop.cli.common import (
    EXIT_INTEGRITY,
    EXIT_OK,
    PROG,
    Commands,
    Secrets,
    command,
    create,
    needs_workspace,
    owner_options,
    unlock,
    workspace_folder,
)
from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.store import Workspace
from cse_desktop.store.audit import AUDIT_CUT


def _print_recovery(code: str) -> None:
    print("Workspace created. Your recovery code (shown only this once; write it down and keep "
          "it apart from this laptop):")
    print(code)


def cmd_gui(args: argparse.Namespace, secrets: Secrets) -> int:
    from cse_desktop.qt.app import run  # the desktop UI loads only when asked for

    return run(sys.argv[:1], workspace=Path(args.workspace) if args.workspace else None)


def cmd_init(args: argparse.Namespace, secrets: Secrets) -> int:
    ws, code = create(args, secrets)
    ws.lock()
    _print_recovery(code)
    return EXIT_OK


def cmd_check(args: argparse.Namespace, secrets: Secrets) -> int:
    with unlock(args, secrets) as ws:
        report = ws.check()
        if not report.ok:
            for problem in report.integrity + report.audit + report.outbox:
                print(f"problem: {problem}", file=sys.stderr)
            if any(p.startswith(AUDIT_CUT) for p in report.audit):
                print("Events were removed from this workspace's audit log after they were "
                      "written. Tell your IT team; keep using a backup made before then.",
                      file=sys.stderr)
            print("The workspace failed its check: restore it from a backup and tell your "
                  "IT team.", file=sys.stderr)
            return EXIT_INTEGRITY
        pending = ws.outbox.count()
        print(f"Workspace sound: encryption and structure intact, audit chain of "
              f"{report.audit_rows} events verified, outbox consistent ({pending} "
              f"change{'s' if pending != 1 else ''} waiting to sync), {report.records} records.")
    return EXIT_OK


_OLD_BACKUPS = ("Backups made before now still open with the passphrase and recovery code "
                "that were valid when they were made: keep them locked away, or delete those "
                "you no longer need.")


def _print_new_code(code: str) -> None:
    print("Your new recovery code (shown only this once; write it down and keep it apart "
          "from this laptop; the old one no longer opens this workspace):")
    print(code)


def cmd_passwd(args: argparse.Namespace, secrets: Secrets) -> int:
    folder = workspace_folder(args)
    if args.recovery:
        ws = Workspace.open(folder, recovery_code=secrets.ask("Recovery code"))
        with ws:
            ws.set_passphrase_after_recovery(secrets.ask("New passphrase", confirm=True))
            code = ws.new_recovery_code()  # the code was used: it is replaced at once
        print("Passphrase changed. You used your recovery code, so it has been replaced. If "
              f"it may have been seen, run '{PROG} passwd --rekey --workspace {folder}'.")
        _print_new_code(code)
        return EXIT_OK
    old = secrets.ask("Current passphrase")
    with Workspace.open(folder, old) as ws:
        if args.new_recovery_code:
            code = ws.new_recovery_code()
            print("Recovery code replaced. " + _OLD_BACKUPS)
            _print_new_code(code)
        elif args.rekey:
            code = ws.rekey(old, secrets.ask("New passphrase", confirm=True))
            print("Workspace re-keyed: a new database key, passphrase and recovery code. Old "
                  "key files and the old passphrase and recovery code no longer open it. "
                  + _OLD_BACKUPS)
            _print_new_code(code)
        else:
            ws.change_passphrase(old, secrets.ask("New passphrase", confirm=True))
            print("Passphrase changed. (If the old one may have been seen, use "
                  f"'{PROG} passwd --rekey' instead: a copy of the key file from before "
                  "this change still opens with the old passphrase.)")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, secrets: Secrets) -> int:
    with unlock(args, secrets) as ws:
        out = ws.backup(Path(args.out))
    print(f"Backup written to {out} (encrypted; it opens with this workspace's passphrase or "
          "recovery code as they are now).")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, secrets: Secrets) -> int:
    ws = Workspace.restore(Path(args.source), workspace_folder(args),
                           secrets.ask("Passphrase of the backup"))
    with ws:
        count = ws.people.count()
    print(f"Restored and verified: {count} people in {args.workspace}.")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, secrets: Secrets) -> int:
    folder = workspace_folder(args)
    code = None
    if Workspace.exists(folder):
        ws = unlock(args, secrets)
    else:
        ws, code = create(args, secrets)
    with ws:
        if ws.people.count(include_deleted=True):
            raise ValidationFailed("This workspace already holds records; the demo caseload "
                                   "goes into a new or empty workspace only.")
        counts = populate(ws, people=args.people, seed=args.seed, showcase=args.showcase)
    if code:
        _print_recovery(code)
    print("Demo caseload added (fictional): " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return EXIT_OK


def add_commands(sub: Commands) -> None:
    """gui, init, check, passwd, backup and restore."""
    gui = command(sub, "gui", cmd_gui, "start the desktop application (the default)")
    gui.add_argument("--workspace", metavar="DIR", help="open this workspace folder")

    p = command(sub, "init", cmd_init, "create a new encrypted workspace")
    needs_workspace(p)
    owner_options(p)

    p = command(sub, "check", cmd_check,
                "unlock, then check encryption, structure, the audit chain and the outbox")
    needs_workspace(p)

    p = command(sub, "passwd", cmd_passwd, "change the workspace passphrase (old, then new)")
    needs_workspace(p)
    how = p.add_mutually_exclusive_group()
    how.add_argument("--recovery", action="store_true",
                     help="unlock with the recovery code instead of the old passphrase (a new "
                          "recovery code is then made)")
    how.add_argument("--rekey", action="store_true",
                     help="I think my passphrase or recovery code was seen: a new database "
                          "key, passphrase and recovery code")
    how.add_argument("--new-recovery-code", action="store_true",
                     help="replace the recovery code (the passphrase stays)")

    p = command(sub, "backup", cmd_backup,
                "write an encrypted backup of the workspace to one file")
    needs_workspace(p)
    p.add_argument("--out", required=True, metavar="FILE")

    p = command(sub, "restore", cmd_restore, "restore a backup into a new workspace folder")
    p.add_argument("--from", dest="source", required=True, metavar="FILE")
    needs_workspace(p)


def add_demo_command(sub: Commands) -> None:
    p = command(sub, "demo", cmd_demo, "add a deterministic, fictional demo caseload")
    needs_workspace(p)
    p.add_argument("--people", type=int, default=25, metavar="N")
    p.add_argument("--seed", type=int, default=1, metavar="S")
    p.add_argument("--showcase", action="store_true",
                   help="also add the five young people the desktop's demo shows: return home "
                        "interviews due, overdue, late and declined, and a meeting's themes")
    owner_options(p)
