"""The encrypted workspace: keys, the SQLCipher connection, migrations, repositories, the audit
log and the outbox.  The only package that imports ``sqlcipher3``."""

from cse_desktop.store.keys import KdfParams
from cse_desktop.store.workspace import CheckReport, Workspace

__all__ = ["CheckReport", "KdfParams", "Workspace"]
