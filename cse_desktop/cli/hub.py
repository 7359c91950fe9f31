"""Connecting a workspace to the team's hub, and syncing with it."""

from __future__ import annotations

import argparse

from cse_desktop.cli.common import (
    EXIT_OK,
    Commands,
    Secrets,
    command,
    group,
    needs_workspace,
    unlock,
)


def cmd_hub_connect(args: argparse.Namespace, secrets: Secrets) -> int:
    from cse_desktop.sync.engine import connect

    with unlock(args, secrets) as ws:
        link = connect(ws, args.url, args.code, ca_file=args.ca, device_name=args.name)
        role = ws.owner.role.value
    print(f"Connected to {link.url} as {link.user} ({link.team}), a {role} on the hub; this "
          f"laptop is device {link.device_id}.")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace, secrets: Secrets) -> int:
    from cse_desktop.sync.engine import sync

    ws = unlock(args, secrets)
    try:
        summary = sync(ws)
    finally:
        if ws.is_open:
            ws.lock()
    print(summary.line())
    return EXIT_OK


def add_commands(sub: Commands) -> None:
    """hub connect, and sync."""
    hub = group(sub, "hub", "connect this workspace to the team's hub", "hub_command")
    p = command(hub, "connect", cmd_hub_connect,
                "enrol this laptop with a hub, using the one-time code from the hub's admin")
    needs_workspace(p)
    p.add_argument("--url", required=True, help="the hub's address, https://...")
    p.add_argument("--code", required=True, help="the one-time enrolment code")
    p.add_argument("--ca", metavar="FILE",
                   help="trust only this CA certificate (PEM) for the hub, not the system's")
    p.add_argument("--name", help="this laptop's name on the hub (default: its host name)")

    p = command(sub, "sync", cmd_sync, "send waiting changes to the hub and receive the team's")
    needs_workspace(p)
