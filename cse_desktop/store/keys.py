"""The key file: the workspace's database key, wrapped under the passphrase and a recovery code.

This is the only module that sees a recovery code or the raw database key; a passphrase it
wraps has already passed the rule for new passphrases (``store/strength.py``), which
:class:`~cse_desktop.store.workspace.Workspace` applies wherever one is set.

* The database key is 32 random bytes, handed to SQLCipher as a raw key (no PBKDF2 inside
  SQLCipher).
* Each *slot* wraps that key with AES-256-GCM under a key-encryption key derived from a secret
  with Argon2id.  The slot's salt and KDF cost are stored with it, so the cost can rise later
  without breaking older key files.
* Two slots: ``passphrase`` and ``recovery`` (a random code shown once, at creation).
  Changing the passphrase re-wraps the same database key: the database is not rewritten.
* A key file whose cost is below :data:`FLOOR` is refused when it is read (KeyTooWeak); one
  below the current default is re-wrapped at the default on the next unlock with it.
* The file carries a SHA-256 checksum of its body, so a damaged key file is reported as
  damaged rather than as a wrong passphrase.
* The count of failed unlocks is kept in the body too (every unlock reads the key file), and
  a *sealed* part, authenticated with an HMAC under a key derived from the database key, is
  rewritten at each unlock: how many failures had been seen then, and whether the recovery
  code has been used since a new one was made.  Without the database key the sealed part
  cannot be forged; the count can be edited, but not below what the sealed part says.
* The file is replaced atomically (write, fsync, rename, fsync the folder).

Neither a secret nor the database key ever reaches a log, an exception message or argv.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cse_desktop.domain.errors import KeyFileDamaged, KeyTooWeak, WrongPassphrase
from cse_desktop.store import memory
from cse_desktop.store.files import write_private as atomic_write  # 0600, whole or not at all

KEY_FILE_NAME = "workspace.key"
FORMAT = "cse-desktop-keyfile"
FORMAT_VERSION = 1
DB_KEY_BYTES = 32
PASSPHRASE_SLOT = "passphrase"  # noqa: S105 - a slot name, not a secret
RECOVERY_SLOT = "recovery"
MIN_PASSPHRASE_LENGTH = 10
MAX_SECRET_LENGTH = 1024

# Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or copied by hand survives.
_RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECOVERY_GROUPS = 6
_RECOVERY_GROUP_LEN = 4  # 24 symbols x 5 bits = 120 bits of entropy


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Production: 256 MiB, 4 passes, 4 lanes: 0.55-0.65 s on the 2-core
    reference machine (DESIGN.md asks for at least 0.5 s; unlock must stay within 1 s)."""

    time_cost: int = 4
    memory_kib: int = 262_144
    parallelism: int = 4

    @classmethod
    def production(cls) -> KdfParams:
        return cls()

    @classmethod
    def insecure_for_tests(cls) -> KdfParams:
        """Cheap parameters for the test suite only.  They are below :data:`FLOOR`, so a key
        file made with them is refused when read, except in the test suite (``_floor``)."""
        return cls(time_cost=1, memory_kib=8, parallelism=1)

    def weaker_than(self, other: KdfParams) -> bool:
        """Cheaper to attack than ``other``: fewer passes or less memory.  (Fewer lanes cost an
        attacker nothing, so parallelism is not compared.)"""
        return self.time_cost < other.time_cost or self.memory_kib < other.memory_kib

    def to_json(self) -> dict[str, int]:
        return {"time_cost": self.time_cost, "memory_kib": self.memory_kib,
                "parallelism": self.parallelism}

    @classmethod
    def from_json(cls, data: Any) -> KdfParams:
        try:
            params = cls(int(data["time_cost"]), int(data["memory_kib"]), int(data["parallelism"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyFileDamaged(_DAMAGED) from exc
        # Refuse absurd costs: a tampered file must not make unlock hang or exhaust memory.
        if not (1 <= params.time_cost <= 20 and 8 <= params.memory_kib <= 4_194_304
                and 1 <= params.parallelism <= 16):
            raise KeyFileDamaged(_DAMAGED)
        return params


#: The cheapest cost a key file may have: RFC 9106's second recommended Argon2id setting (64 MiB,
#: 3 passes; about 0.1 s here).  Every default CSE Desktop has shipped is above it (the first,
#: 3 passes of 256 MiB, is upgraded to the current one at the next unlock).  The installer's
#: self-test uses exactly this cost for its throw-away workspace.
FLOOR = KdfParams(time_cost=3, memory_kib=65_536, parallelism=4)

# What the floor and the default are in this process.  Only the test suite changes them (its
# conftest and its tests/support/testkdf_site/sitecustomize.py assign these two names): no flag,
# setting or environment variable of the command line or the desktop reaches them.
_floor: KdfParams = FLOOR
_default: KdfParams | None = None  # None: KdfParams.production()


def floor() -> KdfParams:
    """The cheapest key derivation a key file may use (FLOOR, outside the test suite)."""
    return _floor


def default_params() -> KdfParams:
    """The cost of every key wrapped from now on (production, outside the test suite)."""
    return _default or KdfParams.production()


_TOO_WEAK = ("The workspace key file protects the key with less work than CSE Desktop accepts "
             "(it was made by a test tool, or altered), so the workspace cannot be unlocked. "
             "Restore the workspace from a backup, or ask your IT team.")

_DAMAGED = ("The workspace key file is damaged, so the workspace cannot be unlocked. "
            "Restore the workspace from a backup.")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise KeyFileDamaged(_DAMAGED) from exc


def _derive(secret: str, salt: bytes, params: KdfParams) -> bytes:
    encoded = secret.encode("utf-8")
    try:
        return hash_secret_raw(encoded, salt, params.time_cost, params.memory_kib,
                               params.parallelism, 32, Type.ID)
    finally:
        memory.scrub(encoded)  # our UTF-8 copy of the secret (the str itself cannot be)


def generate_recovery_code() -> str:
    symbols = "".join(secrets.choice(_RECOVERY_ALPHABET)
                      for _ in range(_RECOVERY_GROUPS * _RECOVERY_GROUP_LEN))
    groups = [symbols[i:i + _RECOVERY_GROUP_LEN]
              for i in range(0, len(symbols), _RECOVERY_GROUP_LEN)]
    return "-".join(groups)


def normalise_recovery_code(code: str) -> str:
    """Accept a recovery code typed with spaces, lower case, or O/I/L for 0/1/1."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    groups = [cleaned[i:i + _RECOVERY_GROUP_LEN]
              for i in range(0, len(cleaned), _RECOVERY_GROUP_LEN)]
    return "-".join(groups)


class KeyFile:
    """The parsed key file of one workspace. Immutable in spirit: changes write a new file."""

    #: the end of the audit chain at the last unlock or lock (see the block at the end)
    audit_mark: dict[str, Any] | None = None

    def set_audit_mark(self, count: int, head: str, mac: str) -> None:
        self.audit_mark = {"count": count, "head": head, "mac": mac}

    def __init__(self, workspace_id: str, slots: dict[str, dict[str, Any]], *,
                 failures: int = 0, locked_until: float = 0.0,
                 sealed: dict[str, Any] | None = None) -> None:
        self.workspace_id = workspace_id
        self.slots = slots
        #: failed unlocks ever counted in this key file (never lowered by the application)
        self.failures = failures
        #: when the current unlock lock-out ends (a copy of the throttle's)
        self.locked_until = locked_until
        #: {"data": {...}, "mac": hex}: written at each unlock, see :meth:`sealed_state`
        self.sealed = sealed

    def _copy(self, **changes: Any) -> KeyFile:
        """A copy carrying everything this key file holds (whatever parts it has), with
        ``changes`` to its attributes."""
        new = copy.copy(self)
        new.slots = dict(self.slots)
        for name, value in changes.items():
            setattr(new, name, value)
        return new

    # -- creation and wrapping -----------------------------------------------------------

    @classmethod
    def create(cls, passphrase: str, params: KdfParams) -> tuple[KeyFile, bytearray, str]:
        """A new key file: returns it, the raw database key and the recovery code.

        The passphrase is not checked here: the caller applies ``store.strength.check``."""
        fresh = secrets.token_bytes(DB_KEY_BYTES)
        db_key = memory.secure_buffer(DB_KEY_BYTES)
        db_key[:] = fresh
        memory.scrub(fresh)
        recovery = generate_recovery_code()
        kf = cls(str(uuid.uuid4()), {})
        kf.slots[PASSPHRASE_SLOT] = kf._wrap(PASSPHRASE_SLOT, passphrase, db_key, params)
        kf.slots[RECOVERY_SLOT] = kf._wrap(RECOVERY_SLOT, recovery, db_key, params)
        return kf, db_key, recovery

    def rekeyed(self, passphrase: str, params: KdfParams) -> tuple[KeyFile, bytes, str]:
        """This key file for a new database key (re-keying, ``store/rekey.py``): both slots
        wrap the new key, under ``passphrase`` and a new recovery code; the rest (the count of
        failed unlocks...) is carried over, sealed under the new key.  Returns it, the new key
        and the new recovery code."""
        db_key = secrets.token_bytes(DB_KEY_BYTES)
        recovery = generate_recovery_code()
        new = self._copy(slots={}, sealed=None)
        new.slots[PASSPHRASE_SLOT] = new._wrap(PASSPHRASE_SLOT, passphrase, db_key, params)
        new.slots[RECOVERY_SLOT] = new._wrap(RECOVERY_SLOT, recovery, db_key, params)
        return new.with_sealed(db_key, failures_seen=self.failures), db_key, recovery

    def _aad(self, slot: str) -> bytes:
        return f"{FORMAT}/{FORMAT_VERSION}/{self.workspace_id}/{slot}".encode()

    def _wrap(self, slot: str, secret: str, db_key: bytes | bytearray,
              params: KdfParams) -> dict[str, Any]:
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        kek = _derive(secret, salt, params)
        try:
            wrapped = AESGCM(kek).encrypt(nonce, db_key, self._aad(slot))
        finally:
            memory.scrub(kek)
        return {"kdf": {"name": "argon2id", **params.to_json(), "salt": _b64(salt)},
                "cipher": "aes-256-gcm", "nonce": _b64(nonce), "wrapped_key": _b64(wrapped)}

    def unwrap(self, slot: str, secret: str) -> bytearray:
        """The raw database key, or WrongPassphrase when the secret does not open the slot.

        The key comes back in a locked buffer (``store/memory.py``): wipe it when done."""
        if len(secret) > MAX_SECRET_LENGTH:
            raise WrongPassphrase(_wrong(slot))
        data = self.slots.get(slot)
        if data is None:
            raise KeyFileDamaged(_DAMAGED)
        kdf = data.get("kdf") or {}
        params = KdfParams.from_json(kdf)
        salt, nonce, wrapped = (_unb64(kdf.get("salt")), _unb64(data.get("nonce")),
                                _unb64(data.get("wrapped_key")))
        if len(salt) < 16 or len(nonce) != 12 or len(wrapped) != DB_KEY_BYTES + 16:
            raise KeyFileDamaged(_DAMAGED)
        if slot == RECOVERY_SLOT:
            secret = normalise_recovery_code(secret)
        kek = _derive(secret, salt, params)
        db_key = memory.secure_buffer(DB_KEY_BYTES)
        try:
            AESGCM(kek).decrypt_into(nonce, wrapped, self._aad(slot), db_key)
        except InvalidTag:
            memory.unlock(db_key)
            raise WrongPassphrase(_wrong(slot)) from None
        finally:
            memory.scrub(kek)
        return db_key

    def rewrap(self, slot: str, secret: str, db_key: bytes | bytearray,
               params: KdfParams | None = None) -> KeyFile:
        """A copy of this key file with ``slot`` wrapping the same key under a new secret
        (at the current default cost unless ``params`` says otherwise); the audit mark and
        everything else are carried over."""
        new = self._copy()
        new.slots[slot] = new._wrap(slot, secret, db_key, params or default_params())
        return new

    def kdf_params(self, slot: str = PASSPHRASE_SLOT) -> KdfParams:
        return KdfParams.from_json(self.slots[slot]["kdf"])

    def below_default(self, slot: str = PASSPHRASE_SLOT) -> bool:
        """Whether ``slot`` is wrapped at less than today's default cost (so it is re-wrapped
        at the next unlock with it)."""
        return self.kdf_params(slot).weaker_than(default_params())

    # -- failed unlocks and the sealed part ----------------------------------------------

    def after_unlock(self, db_key: bytes | bytearray, slot: str, secret: str) -> KeyFile:
        """The key file to save after a successful unlock of ``slot`` with ``secret``: the
        failures seen (and a used recovery code) sealed, and a passphrase slot below today's
        default cost re-wrapped at the default."""
        sealed: dict[str, Any] = {"failures_seen": self.failures}
        if slot == RECOVERY_SLOT:
            sealed["recovery_code_used"] = True
        new = self.with_sealed(db_key, **sealed)._copy(locked_until=0.0)  # no lock-out now
        if slot == PASSPHRASE_SLOT and new.below_default(PASSPHRASE_SLOT):
            new = new.rewrap(PASSPHRASE_SLOT, secret, db_key)
        return new

    def with_failure(self, locked_until: float) -> KeyFile:
        """A copy counting one more failed unlock (written while locked: not sealed)."""
        return self._copy(failures=self.failures + 1,
                          locked_until=max(self.locked_until, locked_until))

    def sealed_state(self, db_key: bytes | bytearray) -> dict[str, Any] | None:
        """What the last unlock sealed: ``{}`` if nothing ever was (an older key file), None
        if the sealed part was altered or made with another key."""
        if self.sealed is None:
            return {}
        data, mac = self.sealed.get("data"), self.sealed.get("mac")
        if not isinstance(data, dict) or not isinstance(mac, str):
            return None
        if not hmac.compare_digest(mac, self._seal_mac(db_key, data)):
            return None
        return data

    def with_sealed(self, db_key: bytes | bytearray, **values: Any) -> KeyFile:
        """A copy whose sealed part holds ``values`` over what it held (JSON values only)."""
        data = {**(self.sealed_state(db_key) or {}), **values}
        return self._copy(sealed={"data": data, "mac": self._seal_mac(db_key, data)})

    def _seal_mac(self, db_key: bytes | bytearray, data: dict[str, Any]) -> str:
        key = hmac.new(db_key, b"cse-desktop key file seal v1", hashlib.sha256).digest()
        payload = json.dumps([FORMAT, self.workspace_id, data], sort_keys=True,
                             separators=(",", ":"))
        return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()

    # -- file format ---------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        body: dict[str, Any] = {
            "format": FORMAT, "version": FORMAT_VERSION, "workspace_id": self.workspace_id,
            "slots": self.slots,
            "failed_unlocks": {"count": self.failures, "locked_until": self.locked_until}}
        if self.sealed is not None:
            body["sealed"] = self.sealed
        if self.audit_mark is not None:
            body[AUDIT_MARK] = self.audit_mark
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        checksum = hashlib.sha256(canonical.encode()).hexdigest()
        return json.dumps({"body": body, "sha256": checksum}, indent=1, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> KeyFile:
        try:
            outer = json.loads(raw.decode("utf-8"))
            body = outer["body"]
            canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
            ok = hashlib.sha256(canonical.encode()).hexdigest() == outer["sha256"]
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise KeyFileDamaged(_DAMAGED) from exc
        if not ok or not isinstance(body, dict) or body.get("format") != FORMAT:
            raise KeyFileDamaged(_DAMAGED)
        if body.get("version") != FORMAT_VERSION:
            raise KeyFileDamaged("The workspace key file was made by a newer version of "
                                 "CSE Desktop. Update the application to open it.")
        slots = body.get("slots")
        workspace_id = body.get("workspace_id")
        if (not isinstance(slots, dict) or PASSPHRASE_SLOT not in slots
                or not isinstance(workspace_id, str)
                or not all(isinstance(s, dict) for s in slots.values())):
            raise KeyFileDamaged(_DAMAGED)
        for slot in slots.values():  # KeyFileDamaged for nonsense, KeyTooWeak below the floor
            if KdfParams.from_json(slot.get("kdf") or {}).weaker_than(floor()):
                raise KeyTooWeak(_TOO_WEAK)
        failed = body.get("failed_unlocks", {})
        sealed = body.get("sealed")
        try:
            failures, locked_until = int(failed.get("count", 0)), float(
                failed.get("locked_until", 0.0))
        except (AttributeError, TypeError, ValueError) as exc:
            raise KeyFileDamaged(_DAMAGED) from exc
        if failures < 0 or not (sealed is None or isinstance(sealed, dict)):
            raise KeyFileDamaged(_DAMAGED)
        kf = cls(workspace_id, slots, failures=failures, locked_until=locked_until,
                 sealed=sealed)
        kf.audit_mark = _audit_mark(body.get(AUDIT_MARK))
        return kf

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise KeyFileDamaged("The workspace key file is missing, so the workspace cannot be "
                                 "unlocked. Restore the workspace from a backup.") from exc
        if len(raw) > 64 * 1024:
            raise KeyFileDamaged(_DAMAGED)
        return cls.from_bytes(raw)

    def save(self, path: Path) -> None:
        atomic_write(path, self.to_bytes())


def _wrong(slot: str) -> str:
    if slot == RECOVERY_SLOT:
        return "That recovery code is not correct."
    return "That passphrase is not correct."


# -- the audit mark ------------------------------------------------------------------------
# The count and head of the workspace's audit chain, written at every unlock and lock by
# ``store/audit.py`` with an HMAC under the audit key, inside the body the checksum covers.
# A key file without one (made before it existed) is valid.

AUDIT_MARK = "audit_mark"


def _audit_mark(data: Any) -> dict[str, Any] | None:
    if data is None:
        return None
    try:
        count, head, mac = int(data["count"]), str(data["head"]), str(data["mac"])
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyFileDamaged(_DAMAGED) from exc
    if count < 0 or len(head) != 64 or len(mac) != 64:
        raise KeyFileDamaged(_DAMAGED)
    return {"count": count, "head": head, "mac": mac}
