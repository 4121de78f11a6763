"""The one RenderedMessage builder: a learner's message and a weekly message take the same key,
text and metadata choices (notifications.outgoing)."""

from __future__ import annotations

from connectors.base import Recipient
from lrs.storage.planned_message_models import PlannedMessage
from notifications.outgoing import outgoing_message
from notifications.templates import RenderedContent

CONTENT = RenderedContent(
    subject="Intro is due on Monday 12 January 2026",
    text="Hello Sam,\n\nIntro is due soon.",
    html="<p>Hello Sam</p>",
    card={"type": "AdaptiveCard", "version": "1.5"},
    activity_text="Intro is due on Monday",
)


def row(rule: str = "module_due", category: str = "nudge") -> PlannedMessage:
    return PlannedMessage(key=f"{rule}:lal-1:learner-4:intro:P7D", rule=rule, category=category, context="{}")


def test_teams_gets_the_activity_line_and_its_own_delivery_key() -> None:
    message = outgoing_message(
        row(), "teams", Recipient("sam@example.org", "Sam"), CONTENT, language="cy", deep_link=""
    )
    assert message.idempotency_key == "module_due:lal-1:learner-4:intro:P7D@teams"
    assert message.text == "Intro is due on Monday"
    assert message.deep_link is None and message.unsubscribe_url is None
    assert message.metadata == {"rule": "module_due", "category": "nudge", "language": "cy"}


def test_email_and_channel_posts_get_the_whole_text() -> None:
    for channel in ("email", "teams_channel"):
        message = outgoing_message(
            row("cohort_update", "update"),
            channel,
            Recipient("", "Cohort channel"),
            CONTENT,
            language="en",
            deep_link="https://lrs.example/programmes/p",
            unsubscribe_url="https://lrs.example/notifications/unsubscribe?t=x",
        )
        assert message.text == CONTENT.text and message.html == CONTENT.html
        assert message.card == CONTENT.card and message.deep_link == "https://lrs.example/programmes/p"
        assert message.idempotency_key.endswith(f"@{channel}")
