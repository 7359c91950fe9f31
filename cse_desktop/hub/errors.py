"""The errors the hub tells a device or an administrator about.

Each carries an HTTP ``status``, a stable ``code`` and a ``title``; :mod:`cse_desktop.hub.app`
turns them into problem+json responses, :mod:`cse_desktop.hub.cli` into messages.
"""

from __future__ import annotations

from cse_desktop.domain.errors import CseError


class HubError(CseError):
    """An error a device or an administrator is told about (mapped to problem+json)."""

    status = 400
    code = "hub_error"
    title = "Bad request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class NotFound(HubError):
    status, code, title = 404, "not_found", "Not found"


class Unauthenticated(HubError):
    status, code, title = 401, "unauthenticated", "Not signed in"


class EnrolmentRefused(HubError):
    status, code, title = 400, "enrolment_code_invalid", "Enrolment code not valid"


class CursorAhead(HubError):
    status, code, title = 409, "cursor_ahead", "Hub behind this laptop"


class AlreadyResolved(HubError):
    status, code, title = 409, "conflict_resolved", "Already resolved"


class AdminError(HubError):
    """A mistake in an admin command (unknown team, duplicate name...)."""

    code, title = "admin", "Admin command refused"
    exit_status = 2
