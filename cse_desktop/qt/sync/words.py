"""The words the sync views share: how long ago, how many, and why a sync or a connect
stopped (plain English, never a traceback)."""

from __future__ import annotations

from datetime import UTC, datetime

from cse_desktop.domain.errors import CseError, HubRefused, HubUnreachable, HubUntrusted

UNREACHABLE_MESSAGE = "Hub not reachable — your changes are safe on this laptop."


def relative_time(then: datetime, now: datetime | None = None) -> str:
    """'just now', '5 min ago', '2 hours ago', 'yesterday', '3 days ago'."""
    now = now or datetime.now(UTC)
    seconds = max(0.0, (now - then).total_seconds())
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} hour{'s' * (hours != 1)} ago"
    days = hours // 24
    return "yesterday" if days == 1 else f"{days} days ago"


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"


def sync_error_message(exc: CseError) -> str:
    """Plain words for a sync that stopped."""
    if isinstance(exc, HubUntrusted):
        return exc.message
    if isinstance(exc, HubUnreachable):
        return UNREACHABLE_MESSAGE
    if isinstance(exc, HubRefused) and exc.code == "rate_limited":
        return ("The hub is refusing requests from this laptop for a few minutes (too many "
                "attempts). Your changes are safe on this laptop; sync again later.")
    return exc.message


def connect_error_message(exc: CseError) -> str:
    """Plain words for a failed enrolment, shown in the Connect dialog."""
    if isinstance(exc, HubUntrusted):
        return exc.message
    if isinstance(exc, HubUnreachable):
        return ("The hub cannot be reached at this address. Check the address and that this "
                "laptop is online, then try again.")
    if isinstance(exc, HubRefused):
        if exc.code == "enrolment_code_invalid":
            return ("The hub did not accept this enrolment code: it may be mistyped, already "
                    "used or expired. Check it, or ask your hub administrator for a new one.")
        if exc.code == "rate_limited":
            return ("Too many attempts to connect from this laptop. Wait a few minutes, then "
                    "try again.")
        if exc.code in ("no_such_endpoint", "method_not_allowed", "http_error"):
            return ("There is no CSE Desktop hub at this address. Check the address your IT "
                    "team gave you.")
    return exc.message
