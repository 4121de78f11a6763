"""Staff sign-ins in the audit log: every success, failure and sign-out, by account id.

An entry names the account as `staff:<id>` (never the e-mail address typed in, which may be anyone's
and may be a mistyped password), the method (`password` or `entra`) and, for a failure, the reason:
`wrong_password`, `unknown_account` (no enabled account has that e-mail), `throttled` (too many
recent failures for it), `expired_form`, `entra_rejected` or `no_account` (a Microsoft sign-in with
no staff account). Passwords, e-mail addresses, names and client addresses are never recorded.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.dashboard.users import viewer_by_email
from lrs.http.context import CLOCK, DATABASE
from lrs.storage.audit import record_audit, record_audit_alone

SIGNED_IN, SIGN_IN_FAILED, SIGNED_OUT = "staff.sign_in", "staff.sign_in_failed", "staff.sign_out"
UNKNOWN_ACCOUNT = "staff:unknown"


def staff_ref(user_id: int | None) -> str:
    return UNKNOWN_ACCOUNT if user_id is None else f"staff:{user_id}"


async def audit_signed_in(request: web.Request, user_id: int, method: str) -> None:
    await record_audit_alone(
        request.app[DATABASE],
        at=request.app[CLOCK](),
        actor=staff_ref(user_id),
        action=SIGNED_IN,
        target=staff_ref(user_id),
        detail={"method": method},
    )


async def audit_sign_in_failed(
    request: web.Request, reason: str, *, method: str = "password", user_id: int | None = None
) -> None:
    await record_audit_alone(
        request.app[DATABASE],
        at=request.app[CLOCK](),
        actor=staff_ref(user_id),
        action=SIGN_IN_FAILED,
        target=staff_ref(user_id),
        detail={"method": method, "reason": reason},
    )


async def audit_wrong_password(request: web.Request, email: str, *, throttled: bool = False) -> None:
    """A refused password sign-in: the account's id when the e-mail belongs to an enabled account."""
    async with request.app[DATABASE].read_session() as session:
        viewer = await viewer_by_email(session, email) if email.strip() else None
    reason = "throttled" if throttled else "wrong_password" if viewer else "unknown_account"
    await audit_sign_in_failed(request, reason, user_id=viewer.user_id if viewer else None)


async def audit_signed_out(session: AsyncSession, request: web.Request, user_id: int) -> None:
    """In the sign-out's own transaction, so that an ended session and its entry go together."""
    await record_audit(
        session,
        at=request.app[CLOCK](),
        actor=staff_ref(user_id),
        action=SIGNED_OUT,
        target=staff_ref(user_id),
        detail={},
    )
