"""A RenderedMessage as the two files the local channel writes: the .eml and its .json record (pure)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.policy import SMTPUTF8
from typing import Any

from connectors.base import RenderedMessage
from connectors.email.messages import build_email
from connectors.local.settings import LocalSettings


def file_stem_for(idempotency_key: str) -> str:
    """The files' common name: a pure function of the key, so a resend finds what was written."""
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def eml_bytes(message: RenderedMessage, settings: LocalSettings, *, written_at: datetime) -> bytes:
    """The MIME message the email channel would send (the invitation attached as invite.ics).
    Written as SMTPUTF8 would send it, so an address like siân@cyngor.cymru stays as it is."""
    built = build_email(message, settings.as_email_settings(), sent_at=written_at)
    return built.as_bytes(policy=SMTPUTF8.clone(linesep="\n"))  # UTF-8 headers, the file's own line ends


def json_record(message: RenderedMessage, *, written_at: datetime, eml_name: str) -> dict[str, Any]:
    invite = message.invite
    return {
        "idempotency_key": message.idempotency_key,
        "written_at": written_at.isoformat(timespec="seconds"),
        "recipient": {
            "email": message.recipient.email,
            "display_name": message.recipient.display_name,
        },
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "deep_link": message.deep_link,
        "card": dict(message.card) if message.card is not None else None,  # Adaptive Card (channel posts)
        "unsubscribe_url": message.unsubscribe_url,
        "metadata": dict(message.metadata),
        "invite": None
        if invite is None
        else {
            "uid": invite.uid,
            "sequence": invite.sequence,
            "title": invite.title,
            "start": invite.start.isoformat(),
            "end": invite.end.isoformat(),
            "cancelled": invite.cancelled,
        },
        "eml": eml_name,
    }
