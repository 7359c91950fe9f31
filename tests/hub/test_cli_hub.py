"""Two laptops and a hub, started as the README says: `cse-hub` and `cse-desktop` processes."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from support.hubserver import free_port

pytestmark = pytest.mark.slow

PASS = "correct horse battery staple"


def hub_cli(*args: str, db: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cse_desktop.hub.cli", *args, "--db", db],
                          capture_output=True, text=True, timeout=120)


def desktop(*args: str, stdin: str = PASS + "\n") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cse_desktop", *args, "--passphrase-stdin"],
                          input=stdin, capture_output=True, text=True, timeout=120)


def plain_error(result: subprocess.CompletedProcess, prog: str = "cse-desktop") -> str:
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"{prog}: "), result.stderr
    return lines[0]


class HubProcess:
    def __init__(self, db: str, *extra: str, scheme: str = "http", verify: object = None,
                 port: int | None = None):
        self.port = port or free_port()
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cse_desktop.hub.cli", "serve", "--port", str(self.port),
             "--db", db, "--no-access-log", *extra], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)  # (an unread pipe must not fill up)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/v1/health", verify=verify or False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not start: {self.proc.stderr.read()}")
            time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture
def hub_db(db_url: str) -> str:
    for args in (("team", "add", "North Team"),
                 ("user", "add", "Alex North", "--team", "North Team"),
                 ("user", "add", "Blake North", "--team", "North Team")):
        result = hub_cli(*args, db=db_url)
        assert result.returncode == 0, result.stderr
    return db_url


@pytest.fixture
def hub(hub_db: str) -> Iterator[HubProcess]:
    process = HubProcess(hub_db)
    yield process
    process.stop()


def enrol_code(db: str, user: str) -> str:
    result = hub_cli("enrol", "--user", user, db=db)
    assert result.returncode == 0, result.stderr
    code = result.stdout.strip().splitlines()[-1]  # alone on its last line
    assert len(code) == 19 and code.count("-") == 3
    return code


def laptop(tmp_path: Path, name: str, hub: HubProcess, db: str, user: str,
           *extra: str) -> Path:
    folder = tmp_path / name
    made = desktop("init", "--workspace", str(folder), "--owner", user)
    assert made.returncode == 0, made.stderr
    joined = desktop("hub", "connect", "--workspace", str(folder), "--url", hub.url, "--code",
                     enrol_code(db, user), "--name", name, *extra)
    assert joined.returncode == 0, joined.stderr
    assert "Connected to" in joined.stdout and "a practitioner on the hub" in joined.stdout
    return folder


def sync(folder: Path) -> subprocess.CompletedProcess:
    return desktop("sync", "--workspace", str(folder))


def people(folder: Path) -> list[dict]:
    result = desktop("person", "list", "--workspace", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_two_laptops_and_a_hub_from_the_command_line(tmp_path: Path, hub: HubProcess,
                                                     hub_db: str) -> None:
    a = laptop(tmp_path, "laptop-a", hub, hub_db, "Alex North")
    b = laptop(tmp_path, "laptop-b", hub, hub_db, "Blake North")
    added = desktop("person", "add", "--workspace", str(a), "--from-json", "-",
                    stdin=PASS + "\n" + json.dumps({"given_name": "Riley",
                                                    "family_name": "Fictional",
                                                    "dob": "2011-04-05"}))
    assert added.returncode == 0, added.stderr
    first = sync(a)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("sync ok: sent 1")
    second = sync(b)
    assert second.returncode == 0 and "received 1" in second.stdout
    assert [p["family_name"] for p in people(b)] == ["Fictional"]

    listed = hub_cli("devices", "--json", db=hub_db)
    devices = json.loads(listed.stdout)
    assert {d["name"] for d in devices} == {"laptop-a", "laptop-b"}
    assert {d["status"] for d in devices} == {"active"}


def test_unreachable_hub_exit_6_and_nothing_lost(tmp_path: Path, hub: HubProcess,
                                                 hub_db: str) -> None:
    a = laptop(tmp_path, "laptop-a", hub, hub_db, "Alex North")
    desktop("person", "add", "--workspace", str(a), "--from-json", "-",
            stdin=PASS + "\n" + json.dumps({"given_name": "Morgan", "family_name": "Fictional",
                                            "dob": "2012-06-07"}))
    hub.stop()
    down = sync(a)
    assert down.returncode == 6, down.stderr
    assert "cannot be reached" in plain_error(down)
    assert len(people(a)) == 1
    restarted = HubProcess(hub_db, port=hub.port)  # back at the address the laptop knows
    try:
        up = sync(a)
        assert up.returncode == 0 and "sent 1" in up.stdout, up.stderr
    finally:
        restarted.stop()


def test_revoked_laptop_exit_5_and_wiped(tmp_path: Path, hub: HubProcess, hub_db: str) -> None:
    a = laptop(tmp_path, "laptop-a", hub, hub_db, "Alex North")
    device = json.loads(hub_cli("devices", "--json", db=hub_db).stdout)[0]["id"]
    revoked = hub_cli("revoke", device, db=hub_db)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    result = sync(a)
    assert result.returncode == 5
    assert "wiped" in plain_error(result)
    assert not any(a.iterdir()), "the key file and database must be gone"
    twice = hub_cli("revoke", device, db=hub_db)
    assert twice.returncode == 2 and "already revoked" in plain_error(twice, "cse-hub")


def test_admin_errors_are_plain(hub_db: str) -> None:
    result = hub_cli("user", "add", "Someone", "--team", "Nowhere", db=hub_db)
    assert result.returncode == 2 and "no team called" in plain_error(result, "cse-hub")
    result = hub_cli("enrol", "--user", "Nobody", db=hub_db)
    assert result.returncode == 2
    bad = subprocess.run([sys.executable, "-m", "cse_desktop.hub.cli", "devices", "--db",
                          "nonsense://x"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 4 and "cse-hub: " in plain_error(bad, "cse-hub")
    upgraded = hub_cli("db", "upgrade", db=hub_db)
    assert upgraded.returncode == 0 and "already" in upgraded.stdout


def test_user_roles_from_the_command_line(hub_db: str) -> None:
    added = hub_cli("user", "add", "Morgan North", "--team", "North Team", "--role", "manager",
                    db=hub_db)
    assert added.returncode == 0 and "as a manager" in added.stdout, added.stderr
    helped = hub_cli("user", "add", "--help", db=hub_db)
    assert "least privilege" in " ".join(helped.stdout.split())
    listed = hub_cli("user", "list", "--json", db=hub_db)
    roles = {u["name"]: (u["team"], u["role"]) for u in json.loads(listed.stdout)}
    assert roles == {"Alex North": ("North Team", "practitioner"),
                     "Blake North": ("North Team", "practitioner"),
                     "Morgan North": ("North Team", "manager")}
    changed = hub_cli("user", "role", "Alex North", "--role", "manager", db=hub_db)
    assert changed.returncode == 0, changed.stderr
    assert "now a manager (was a practitioner)" in changed.stdout
    again = hub_cli("user", "role", "Alex North", "--role", "manager", db=hub_db)
    assert again.returncode == 0 and "already a manager" in again.stdout
    table = hub_cli("user", "list", db=hub_db).stdout.splitlines()
    assert [line.split() for line in table] == [
        ["Alex", "North", "manager", "North", "Team"],
        ["Blake", "North", "practitioner", "North", "Team"],
        ["Morgan", "North", "manager", "North", "Team"]]
    unknown = hub_cli("user", "role", "Nobody", "--role", "manager", db=hub_db)
    assert unknown.returncode == 2 and "no user called 'Nobody'" in plain_error(unknown,
                                                                                 "cse-hub")
    bad = hub_cli("user", "role", "Alex North", "--role", "boss", db=hub_db)
    assert bad.returncode == 2 and "invalid choice: 'boss'" in plain_error(bad, "cse-hub")


def test_connect_refuses_a_bad_code_and_plain_http_to_another_host(tmp_path: Path,
                                                                   hub: HubProcess) -> None:
    folder = tmp_path / "ws"
    desktop("init", "--workspace", str(folder), "--owner", "Alex")
    wrong = desktop("hub", "connect", "--workspace", str(folder), "--url", hub.url,
                    "--code", "AAAA-BBBB-CCCC-DDDD")
    assert wrong.returncode == 1 and "not valid" in plain_error(wrong)
    insecure = desktop("hub", "connect", "--workspace", str(folder), "--url",
                       "http://hub.example.org", "--code", "AAAA-BBBB-CCCC-DDDD")
    assert insecure.returncode == 2 and "https" in plain_error(insecure)


# -- TLS -------------------------------------------------------------------------------------


def _tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a certificate for 127.0.0.1 signed by it (fictional, test only)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Hub CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=5))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=5))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "hub.pem", folder / "hub.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_file, 0o600)
    return ca_file, cert_file, key_file


def test_tls_with_a_pinned_ca(tmp_path: Path, hub_db: str) -> None:
    ca, cert, key = _tls_files(tmp_path)
    hub = HubProcess(hub_db, "--tls-cert", str(cert), "--tls-key", str(key), scheme="https",
                     verify=ssl.create_default_context(cafile=str(ca)))
    try:
        folder = tmp_path / "ws"
        desktop("init", "--workspace", str(folder), "--owner", "Alex North")
        untrusted = desktop("hub", "connect", "--workspace", str(folder), "--url", hub.url,
                            "--code", enrol_code(hub_db, "Alex North"))
        assert untrusted.returncode == 6
        assert "certificate could not be verified" in plain_error(untrusted)
        joined = desktop("hub", "connect", "--workspace", str(folder), "--url", hub.url,
                         "--code", enrol_code(hub_db, "Alex North"), "--ca", str(ca))
        assert joined.returncode == 0, joined.stderr
        synced = sync(folder)
        assert synced.returncode == 0, synced.stderr
    finally:
        hub.stop()
