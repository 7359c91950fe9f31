"""A throwaway PostgreSQL cluster for the test suite.

Tests that need a real PostgreSQL server (the hub) start one private cluster per test session
with :func:`start_cluster` and create a fresh database per test with
:meth:`PgCluster.create_database`. Nothing is shared with a system PostgreSQL: the cluster lives
in its own temporary data directory, listens on a free TCP port on 127.0.0.1 only (``trust``
authentication, so no passwords), keeps its Unix socket inside the data directory, and is
stopped with ``pg_ctl stop -m immediate`` and deleted afterwards (also at interpreter exit, so a
crashed run does not leave a server behind).

PostgreSQL refuses to run as root, and the suite often runs as root (containers, CI). So, under
root, ``initdb`` and ``pg_ctl`` run as the unprivileged system user ``cse-pg`` (created on first
use with ``useradd``; ``nobody`` if ``useradd`` is missing), via ``runuser`` (or ``su``). The data
directory is made with ``mkdtemp`` directly under ``/tmp`` and given to that user: pytest's own
``tmp_path`` lives under a 0700 root-owned directory that the user could not reach.

When PostgreSQL is missing, :class:`PostgresUnavailable` says what is missing.
``make test`` installs the server (``tools/ensure-system-deps.sh test``), so under ``CI=true``
the tests must fail rather than skip: use :func:`require_cluster`, which skips only outside CI.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

PG_USER = "cse"  # the database superuser, created by initdb
RUN_AS = "cse-pg"  # the system user the server runs as when we are root
HOST = "127.0.0.1"
START_TIMEOUT = 60  # seconds, pg_ctl -w -t

_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,62}$")


class PostgresUnavailable(Exception):
    """PostgreSQL (or what is needed to run it) is missing; the message says what."""


def in_ci() -> bool:
    """True when the CI environment variable is set to a true value (CI=true, CI=1)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


class PgCluster:
    """A running throwaway cluster. ``url`` points at its ``postgres`` database."""

    def __init__(
        self, *, port: int, datadir: Path, pg_ctl: str, run_as: str | None, user: str = PG_USER
    ) -> None:
        self.port = port
        self.datadir = datadir
        self.user = user
        self.host = HOST
        self.url = self.sqlalchemy_url("postgres")
        self._pg_ctl = pg_ctl
        self._run_as = run_as
        self._stopped = False

    def sqlalchemy_url(self, dbname: str) -> str:
        """``postgresql+psycopg://cse@127.0.0.1:PORT/dbname``"""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq URL for ``psycopg.connect`` (which does not accept the ``+psycopg`` form)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create a fresh, empty database and return its SQLAlchemy URL."""
        if not _DB_NAME.match(name):
            raise ValueError(f"not a plain database name: {name!r}")
        try:
            import psycopg
            from psycopg import sql
        except ImportError as exc:
            raise PostgresUnavailable(
                "the psycopg package is not installed (pip install 'psycopg[binary]')"
            ) from exc
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.sqlalchemy_url(name)

    def stop(self) -> None:
        """Stop the server at once (no checkpoint) and delete the data directory. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        pid = _postmaster_pid(self.datadir)
        if pid is not None:
            result = _run(
                [self._pg_ctl, "-D", str(self.datadir), "-m", "immediate", "-w", "stop"],
                self._run_as,
            )
            if result.returncode != 0:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.datadir, ignore_errors=True)

    def __enter__(self) -> PgCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        return f"<PgCluster {self.url} datadir={self.datadir} {state}>"


def start_cluster() -> PgCluster:
    """initdb a new cluster in a fresh temporary directory and start it on a free port.

    Raises PostgresUnavailable when the server binaries are missing or the server fails to start.
    """
    initdb, pg_ctl = _find_binaries()
    run_as = _unprivileged_user() if os.geteuid() == 0 else None
    tmp_root = "/tmp" if os.path.isdir("/tmp") else None  # noqa: S108 - see the module docstring
    datadir = Path(tempfile.mkdtemp(prefix="cse-pg-", dir=tmp_root))
    try:
        if run_as is not None:
            entry = pwd.getpwnam(run_as)
            os.chown(datadir, entry.pw_uid, entry.pw_gid)
        result = _run(
            [
                initdb, "-D", str(datadir), "-A", "trust", "-U", PG_USER,
                "--encoding", "UTF8", "--no-locale", "--no-sync",
            ],
            run_as,
        )
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"initdb failed (exit {result.returncode}):\n{_tail(result.stderr + result.stdout)}"
            )
        cluster = _start_server(pg_ctl, datadir, run_as)
    except BaseException:
        shutil.rmtree(datadir, ignore_errors=True)
        raise
    atexit.register(cluster.stop)
    return cluster


def require_cluster() -> PgCluster:
    """start_cluster() for tests: skip when PostgreSQL is unavailable, but fail under CI=true."""
    import pytest

    try:
        return start_cluster()
    except PostgresUnavailable as exc:
        if in_ci():
            pytest.fail(f"PostgreSQL is required under CI but unavailable: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL unavailable: {exc}")


# --- internals -------------------------------------------------------------------------------


def _start_server(pg_ctl: str, datadir: Path, run_as: str | None) -> PgCluster:
    """pg_ctl start on a free port; retry a couple of times if another process took the port."""
    log = datadir / "server.log"
    for attempt in range(3):
        port = _free_port()
        options = " ".join(
            [
                f"-c listen_addresses={HOST}",
                f"-p {port}",
                f"-k {shlex.quote(str(datadir))}",
                "-c fsync=off",
                "-c max_connections=300",
                "-c shared_buffers=128MB",
            ]
        )
        result = _run(
            [
                pg_ctl, "-D", str(datadir), "-l", str(log), "-o", options,
                "-w", "-t", str(START_TIMEOUT), "start",
            ],
            run_as,
        )
        cluster = PgCluster(port=port, datadir=datadir, pg_ctl=pg_ctl, run_as=run_as)
        if result.returncode == 0:
            return cluster
        log_text = _read(log)
        port_taken = "could not bind" in log_text or "Address already in use" in log_text
        # A server that started but missed the -t deadline must not outlive us.
        pid = _postmaster_pid(datadir)
        if pid is not None:
            _run([pg_ctl, "-D", str(datadir), "-m", "immediate", "-w", "stop"], run_as)
        if not (port_taken and attempt < 2):
            raise PostgresUnavailable(
                f"PostgreSQL did not start (pg_ctl exit {result.returncode}).\n"
                f"pg_ctl said:\n{_tail(result.stderr + result.stdout)}\n"
                f"server log ({log}):\n{_tail(log_text)}"
            )
        time.sleep(0.1)
    raise AssertionError("unreachable")


def _find_binaries() -> tuple[str, str]:
    """initdb and pg_ctl from the same installation: PATH first, then /usr/lib/postgresql/*/bin."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path))
    versioned = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    candidates += sorted((Path(p) for p in versioned), key=_version_key, reverse=True)
    for initdb in candidates:
        # Prefer pg_ctl next to initdb (following a symlink to the real bin directory).
        for bindir in (initdb.parent, initdb.resolve().parent):
            pg_ctl = bindir / "pg_ctl"
            if os.access(pg_ctl, os.X_OK):
                return str(initdb), str(pg_ctl)
        pg_ctl_on_path = shutil.which("pg_ctl")
        if pg_ctl_on_path:
            return str(initdb), pg_ctl_on_path
    raise PostgresUnavailable(
        "the PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under "
        "/usr/lib/postgresql/*/bin; install the 'postgresql' package "
        "(tools/ensure-system-deps.sh test does that)"
    )


def _version_key(initdb: Path) -> tuple[int, ...]:
    version = initdb.parent.parent.name  # /usr/lib/postgresql/<version>/bin/initdb
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def _unprivileged_user() -> str:
    """The system user to run PostgreSQL as when we are root: cse-pg, created if missing."""
    if _user_exists(RUN_AS):
        return RUN_AS
    useradd = _which_sbin("useradd")
    if useradd:
        subprocess.run(
            [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", RUN_AS],
            capture_output=True,
            check=False,
        )
        if _user_exists(RUN_AS):  # also when a parallel run created it first
            return RUN_AS
    if _user_exists("nobody"):
        return "nobody"
    raise PostgresUnavailable(
        f"running as root, and there is no unprivileged user to run PostgreSQL as "
        f"(could not create {RUN_AS!r} with useradd, and there is no 'nobody')"
    )


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _which_sbin(name: str) -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin", "/bin"])
    return shutil.which(name, path=path)


def _run(argv: list[str], run_as: str | None) -> subprocess.CompletedProcess[str]:
    """Run argv, as run_as when given (we are root then). Never raises on a non-zero exit."""
    if run_as is not None:
        runuser = _which_sbin("runuser")
        if runuser:
            argv = [runuser, "-u", run_as, "--", *argv]
        else:
            su = _which_sbin("su")
            if not su:
                raise PostgresUnavailable(
                    f"running as root, but neither runuser nor su is available to run "
                    f"PostgreSQL as {run_as!r} (install util-linux)"
                )
            argv = [su, "-s", "/bin/sh", run_as, "-c", shlex.join(argv)]
    # Our own PG* settings (PGPORT, PGDATA, PGHOST...) must not leak into the throwaway cluster.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd="/",  # the unprivileged user may not be allowed into our working directory
        check=False,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _postmaster_pid(datadir: Path) -> int | None:
    try:
        first = (datadir / "postmaster.pid").read_text().splitlines()[0]
        return int(first)
    except (OSError, IndexError, ValueError):
        return None


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError as exc:
        return f"(could not read: {exc})"


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:]) or "(empty)"
