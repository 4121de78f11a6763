"""MIME building for the SMTP channel: a `RenderedMessage` becomes an RFC 5322 `EmailMessage`.

Shape of what we send:
- no invitation: multipart/alternative (text/plain, text/html), or text/plain alone without HTML;
- invitation (RFC 6047): multipart/mixed [multipart/alternative (text/plain, text/html,
  text/calendar; method=REQUEST|CANCEL), invite.ics attachment].
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote

from connectors.base import Recipient, RenderedMessage
from connectors.email.calendar import build_invitation, itip_method
from connectors.email.settings import EmailSettings

ONE_CLICK = "List-Unsubscribe=One-Click"


def message_id_for(idempotency_key: str, domain: str) -> str:
    """A Message-ID that is a pure function of the idempotency key, so a resend is recognisable."""
    # 128 bits of the hash: unique enough, and short enough that the header is not folded.
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def mailbox(display_name: str | None, address: str) -> Address:
    """A From/To mailbox. Built from its parts, so a non-ASCII local part (siân@cyngor.cymru, which
    `formataddr` refuses) is kept for SMTPUTF8 rather than failing the message."""
    username, _, domain = address.rpartition("@")
    return Address(display_name or "", username=username, domain=domain)


def build_email(message: RenderedMessage, settings: EmailSettings, *, sent_at: datetime) -> EmailMessage:
    """The complete MIME message for one recipient, headers included."""
    mime = EmailMessage()
    _add_headers(mime, message, settings, sent_at)
    mime.set_content(message.text, subtype="plain", charset="utf-8")
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html", charset="utf-8")
    if message.invite is not None:
        organizer = Recipient(settings.from_address, settings.from_name)
        ics = build_invitation(
            message.invite, recipient=message.recipient, organizer_fallback=organizer, stamped_at=sent_at
        )
        _add_invitation(mime, ics, itip_method(message.invite), attach=settings.attach_ics)
    return mime


def _add_headers(
    mime: EmailMessage, message: RenderedMessage, settings: EmailSettings, sent_at: datetime
) -> None:
    mime["From"] = mailbox(settings.from_name, settings.from_address)
    mime["To"] = mailbox(message.recipient.display_name, message.recipient.email)
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(sent_at)
    mime["Message-ID"] = message_id_for(message.idempotency_key, settings.message_id_domain)
    reply_to = message.reply_to or settings.reply_to
    if reply_to:
        mime["Reply-To"] = reply_to
    unsubscribe = _unsubscribe_targets(message, settings)
    if unsubscribe:
        mime["List-Unsubscribe"] = ", ".join(f"<{target}>" for target in unsubscribe)
    # RFC 8058: one-click POST is only meaningful (and only allowed) with an HTTPS target.
    if message.unsubscribe_url and message.unsubscribe_url.startswith("https://"):
        mime["List-Unsubscribe-Post"] = ONE_CLICK
    # RFC 3834: tells auto-responders not to answer a machine-sent notification.
    mime["Auto-Submitted"] = "auto-generated"


def _unsubscribe_targets(message: RenderedMessage, settings: EmailSettings) -> list[str]:
    targets: list[str] = []
    if settings.unsubscribe_mailto:
        subject = quote(f"unsubscribe {message.recipient.email}")
        targets.append(f"mailto:{settings.unsubscribe_mailto}?subject={subject}")
    if message.unsubscribe_url:
        targets.append(message.unsubscribe_url)
    return targets


def _add_invitation(mime: EmailMessage, ics: bytes, method: str, *, attach: bool) -> None:
    # As text, so the part carries charset=utf-8 and stays readable (7bit/quoted-printable) on the wire.
    mime.add_alternative(ics.decode("utf-8"), subtype="calendar", charset="utf-8", params={"method": method})
    if attach:
        mime.make_mixed()
        mime.add_attachment(
            ics,
            maintype="application",
            subtype="ics",
            filename="invite.ics",
            params={"method": method},
        )
