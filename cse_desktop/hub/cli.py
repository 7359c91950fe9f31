"""The ``cse-hub`` command line: run the sync hub and administer teams, users and devices.

Every command takes ``--db URL`` (default: a SQLite file in the hub's data folder, or
``$CSE_HUB_HOME/hub.sqlite3``). Every command first brings the database to the newest schema,
so a new hub needs no separate set-up; ``cse-hub db upgrade`` does only that.

Exit codes: 0 ok; 1 other error; 2 usage or a refused admin command; 4 database error (a
database file others may read, the audit log's hash chain broken).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any, NoReturn

from cse_desktop.domain.errors import AuditChainBroken, UsageError, run_command
from cse_desktop.hub import db, edge, listeners
from cse_desktop.hub.repository import Hub
from cse_desktop.sync.protocol import ROLES

PROG = "cse-hub"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _hub(args: argparse.Namespace) -> Hub:
    engine = db.make_engine(args.db)
    db.upgrade(engine)
    return Hub(engine)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from cse_desktop.hub.app import create_app

    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together.")
    if not args.tls_cert and args.host not in ("127.0.0.1", "localhost", "::1"):
        raise UsageError("Serving beyond this machine needs TLS: give --tls-cert and --tls-key.")
    if not 1 <= args.workers <= 64:
        raise UsageError("--workers must be between 1 and 64.")
    hub = _hub(args)
    listeners.check_free(args.host, args.port)
    if args.workers > 1 and hub.engine.dialect.name == "sqlite":
        print("cse-hub: note: SQLite has one writer at a time; several workers help reading "
              "only. Use PostgreSQL for a busy hub.", file=sys.stderr)
    edge.start_access_log(enabled=not args.no_access_log)
    scheme = "https" if args.tls_cert else "http"
    options: dict[str, Any] = dict(host=args.host, port=args.port, ssl_certfile=args.tls_cert,
                                   ssl_keyfile=args.tls_key, log_level="warning",
                                   access_log=False, server_header=False,
                                   timeout_worker_healthcheck=60, timeout_keep_alive=30,
                                   **edge.proxy_options(args.trusted_proxy))
    with _metrics_folder(args.workers > 1 and args.metrics_port is not None):
        if args.metrics_port is not None:
            _serve_metrics(args.metrics_port)
        print(f"cse-hub: serving on {scheme}://{args.host}:{args.port} with {args.workers} "
              f"worker process{'es' if args.workers > 1 else ''} (Ctrl+C stops)", flush=True)
        if args.workers == 1:
            uvicorn.run(create_app(hub.engine, openapi=args.openapi, serving=True), **options)
        else:
            hub.engine.dispose()
            os.environ[_SERVE_DB] = str(hub.engine.url.render_as_string(hide_password=False))
            os.environ[_SERVE_OPENAPI] = "1" if args.openapi else ""
            os.environ[_SERVE_ACCESS_LOG] = "" if args.no_access_log else "1"
            listeners.serve(uvicorn.Config(f"{__name__}:worker_app", factory=True,
                                           workers=args.workers, **options))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    check = _hub(args).verify_audit(args.expect)
    if check.broken_at is not None:
        raise AuditChainBroken(f"The hub's audit log is broken at entry {check.broken_at}: "
                               f"{check.reason}. The {check.entries} entries before it "
                               "verify.")
    if args.expect and not check.found:
        raise AuditChainBroken(f"The hub's audit log no longer holds the head {args.expect}: "
                               "entries were cut off its end since that head was kept (or it "
                               f"is another hub's). Its {check.entries} entries verify.")
    print(f"audit log intact: {check.entries} entries, head {check.head}")
    return 0


#: how `cse-hub serve --workers N` tells its worker processes which database to serve, and
#: whether to serve the API description and write the access log
_SERVE_DB = "CSE_HUB_SERVE_DB"
_SERVE_OPENAPI = "CSE_HUB_SERVE_OPENAPI"
_SERVE_ACCESS_LOG = "CSE_HUB_SERVE_ACCESS_LOG"


def worker_app() -> Any:
    """The app of one worker process of ``cse-hub serve --workers N`` (a uvicorn factory)."""
    from cse_desktop.hub.app import create_app

    edge.start_access_log(enabled=bool(os.environ.get(_SERVE_ACCESS_LOG)))
    return create_app(db.make_engine(os.environ[_SERVE_DB]),
                      openapi=bool(os.environ.get(_SERVE_OPENAPI)), serving=True)


@contextlib.contextmanager
def _metrics_folder(shared: bool) -> Iterator[None]:
    """With several workers, the folder where each writes its metrics (made empty, 0700, and
    removed afterwards); it must be set before a worker first imports prometheus_client."""
    if not shared:
        yield
        return
    folder = tempfile.mkdtemp(prefix="cse-hub-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    try:
        yield
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(folder, ignore_errors=True)


def _serve_metrics(port: int) -> None:
    """Prometheus metrics on http://127.0.0.1:PORT/metrics (this machine only: a scraper
    elsewhere goes through the reverse proxy or an SSH tunnel), summed over the workers."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from cse_desktop.hub.metrics import exposition

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = exposition()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError as exc:
        raise UsageError(f"Cannot serve metrics on 127.0.0.1:{port}: {exc.strerror}.") from None
    threading.Thread(target=server.serve_forever, daemon=True, name="metrics").start()


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    engine = db.make_engine(args.db)
    before = db.current_revision(engine)
    after = db.upgrade(engine)
    print(f"database at schema {after}" + (" (already)" if before == after else
                                            f" (was {before or 'empty'})"))
    return 0


def cmd_team_add(args: argparse.Namespace) -> int:
    _hub(args).add_team(args.name, own_caseload_only=args.own_caseload_only)
    scope = "own caseload only" if args.own_caseload_only else "whole team caseload"
    print(f"team {args.name!r} added ({scope})")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    _hub(args).add_user(args.name, team=args.team, role=args.role)
    print(f"user {_name(args.name)!r} added to team {args.team!r} as a {args.role}")
    return 0


def cmd_user_role(args: argparse.Namespace) -> int:
    before = _hub(args).set_user_role(args.name, args.role)
    if before == args.role:
        print(f"user {_name(args.name)!r} is already a {args.role}")
    else:
        print(f"user {_name(args.name)!r} is now a {args.role} (was a {before}); their "
              "laptops take the new role at their next sync")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    users = _hub(args).users()
    if args.json:
        print(json.dumps(users, indent=2))
        return 0
    if not users:
        print("no users yet ('cse-hub user add' adds one)")
    width = max((len(u["name"]) for u in users), default=0)
    for u in users:
        print(f"{u['name']:<{width}}  {u['role']:<12}  {u['team']}")
    return 0


def _name(name: str) -> str:
    return " ".join(name.split())


def cmd_enrol(args: argparse.Namespace) -> int:
    if not 1 <= args.hours <= 24 * 14:
        raise UsageError("--hours must be between 1 and 336.")
    code, expires = _hub(args).new_enrolment_code(args.user, ttl=timedelta(hours=args.hours))
    print(f"One-time enrolment code for {args.user!r}, valid until {expires[:16]} UTC.")
    print("Type it into the laptop's 'Connect to hub'; it works once.")
    print(code)
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    devices = _hub(args).devices()
    if args.json:
        print(json.dumps(devices, indent=2))
        return 0
    if not devices:
        print("no devices enrolled")
    for d in devices:
        print(f"{d['id']}  {d['status']:<8}  {d['user']} ({d['team']})  {d['name']}  "
              f"last seen {(d['last_seen_at'] or 'never')[:16]}  "
              f"token expires {(d['token_expires_at'] or '?')[:10]}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    _hub(args).set_device_status(args.device, "revoked")
    print(f"device {args.device} revoked: its workspace is wiped the next time it contacts "
          "the hub")
    return 0


def cmd_retire(args: argparse.Namespace) -> int:
    _hub(args).set_device_status(args.device, "retiring")
    print(f"device {args.device} retiring: its next sync pushes what it has, then it is wiped")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="The CSE Desktop sync hub and its administration.")
    parser.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, required=True)

    def command(name: str, func: Callable[[argparse.Namespace], int], help_text: str,
                where: Any = sub) -> argparse.ArgumentParser:
        p = where.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", metavar="URL", help="sqlite:///PATH (default: the hub's data "
                       "folder) or postgresql+psycopg://USER@HOST/DB")
        p.set_defaults(func=func)
        return p

    p = command("serve", cmd_serve, "run the hub")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--tls-cert", metavar="FILE")
    p.add_argument("--tls-key", metavar="FILE")
    p.add_argument("--trusted-proxy", metavar="ADDR", action="append", default=[],
                   help="trust X-Forwarded-For from this proxy address or network (repeat "
                   "for several); by default no proxy is trusted, not even this machine")
    p.add_argument("--openapi", action="store_true",
                   help="serve the API description at /openapi.json (off by default)")
    p.add_argument("--no-access-log", action="store_true",
                   help="do not write the access log to standard error")

    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="worker processes (default 1; on PostgreSQL about one per CPU core, "
                   "see the operator guide)")
    p.add_argument("--metrics-port", type=int, metavar="PORT",
                   help="serve Prometheus metrics on http://127.0.0.1:PORT/metrics")

    aup = sub.add_parser("audit", help="the hub's audit log")
    au_sub = aup.add_subparsers(dest="audit_command", parser_class=_Parser, required=True)
    p = command("verify", cmd_audit_verify, "check the audit log's hash chain", au_sub)
    p.add_argument("--expect", metavar="HEAD", default="",
                   help="a head printed by an earlier verify: check the log still holds it")

    dbp = sub.add_parser("db", help="database schema")
    db_sub = dbp.add_subparsers(dest="db_command", parser_class=_Parser, required=True)
    command("upgrade", cmd_db_upgrade, "bring the database to the newest schema", db_sub)

    team = sub.add_parser("team", help="teams")
    team_sub = team.add_subparsers(dest="team_command", parser_class=_Parser, required=True)
    p = command("add", cmd_team_add, "add a team", team_sub)
    p.add_argument("name")
    p.add_argument("--own-caseload-only", action="store_true",
                   help="devices see only their own user's caseload, not the whole team's")

    user = sub.add_parser("user", help="users")
    user_sub = user.add_subparsers(dest="user_command", parser_class=_Parser, required=True)
    p = command("add", cmd_user_add, "add a user to a team", user_sub)
    p.add_argument("name")
    p.add_argument("--team", required=True)
    p.add_argument("--role", choices=ROLES, default="practitioner",
                   help="practitioner (the default: least privilege) or manager; only a "
                   "manager may approve a lower risk level")
    p = command("role", cmd_user_role, "make a user a practitioner or a manager (their "
                "laptops follow at their next sync)", user_sub)
    p.add_argument("name")
    p.add_argument("--role", choices=ROLES, required=True)
    p = command("list", cmd_user_list, "list users with their team and role", user_sub)
    p.add_argument("--json", action="store_true")

    p = command("enrol", cmd_enrol, "print a one-time code that enrols one laptop for a user")
    p.add_argument("--user", required=True)
    p.add_argument("--hours", type=int, default=24, help="how long the code works (default 24)")

    p = command("devices", cmd_devices, "list enrolled devices")
    p.add_argument("--json", action="store_true")
    p = command("revoke", cmd_revoke, "revoke a device: it is wiped at its next contact")
    p.add_argument("device")
    p = command("retire", cmd_retire, "retire a device: accept its final push, then wipe it")
    p.add_argument("device")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    def body() -> int:
        args = build_parser().parse_args(argv)
        return int(args.func(args))

    return run_command(PROG, body, debug="--debug" in argv)


if __name__ == "__main__":
    sys.exit(main())
