"""Whether a hub has verified a manager's approval, and the words the desktop shows for it.

A manager's approval of a lower risk level is recorded on the laptop as a final submission
(an amendment of the screening) whose ``approval`` is set. The laptop's own role is only what
the hub last told it, so the approval counts as *verified* once the hub has accepted that
submission: the hub accepts an approval only from a device whose user it records as a manager
at that moment, made in that user's own name (otherwise the change is refused with the code
:data:`~cse_desktop.sync.protocol.APPROVAL_NOT_ALLOWED`).

:func:`approval_verification` says which of four states an approval is in, and
:func:`verification_words` is the one place the words for each state come from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from cse_desktop.domain.models import Submission

if TYPE_CHECKING:
    from cse_desktop.store.workspace import Workspace

Verification = Literal["verified", "awaiting_sync", "refused", "not_verified"]

#: what the desktop says about an approval in each state (a refusal adds the hub's reason)
VERIFICATION_WORDS: dict[str, str] = {
    "verified": "verified by the hub",
    "awaiting_sync": "not yet verified by the hub (it syncs next time)",
    "refused": "refused by the hub",
    "not_verified": "not verified by a hub (this workspace is not connected to one)",
}


def approval_verification(ws: Workspace, submission: Submission) -> Verification:
    """Where ``submission`` (normally one whose ``approval`` is set) stands with the hub.

    * ``verified``: the workspace is connected to a hub and the hub accepted the submission
      (it holds a hub sequence number; an approval pulled from the hub is verified too);
    * ``awaiting_sync``: connected, and the submission waits in the outbox for the next sync;
    * ``refused``: connected, and the hub refused it (listed under refused changes), or it will
      never go (refused earlier, and the refusal was since dismissed);
    * ``not_verified``: the workspace was never connected to a hub, so nobody vouched for it.

    Reads the workspace as it is now, not the (possibly older) copy passed in.
    """
    if ws.sync.link() is None:
        return "not_verified"
    server_seq, waiting = _stand(ws, submission)
    if server_seq is not None:
        return "verified"
    if _refusal(ws, submission.id) is not None:
        return "refused"
    return "awaiting_sync" if waiting else "refused"


def verification_words(ws: Workspace, submission: Submission) -> str:
    """The words shown for :func:`approval_verification` (with the hub's reason if refused)."""
    state = approval_verification(ws, submission)
    words = VERIFICATION_WORDS[state]
    if state == "refused":
        reason = _refusal(ws, submission.id)
        if reason:
            words = f"{words}: {reason}"
    return words


def _stand(ws: Workspace, submission: Submission) -> tuple[int | None, bool]:
    """(the hub sequence the workspace holds for it, whether it has changes waiting)."""
    standing = ws.sync.standing(submission.id)
    if standing is None:  # not saved in this workspace: nothing says the hub refused it
        return submission.server_seq, True
    return standing


def _refusal(ws: Workspace, record_id: str) -> str | None:
    """The hub's reason for refusing the record, if a refusal is still listed ("" if none
    was given); None when no refusal is listed."""
    for issue in reversed(ws.sync.issues("rejected")):
        if issue.record_id == record_id:
            return issue.message or issue.code
    return None
