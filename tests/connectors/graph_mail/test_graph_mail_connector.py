"""Graph sendMail: the JSON message, suppression, invalid recipients and unknown senders."""

from __future__ import annotations

from connectors.base import DeliveryStatus, MemorySuppressionList, Recipient, RenderedMessage
from connectors.graph_mail.connector import create_connector
from tests.fakes.microsoft import FakeMicrosoft

SENDER = "programmes@council.gov.uk"


async def test_mail_shape_suppression_and_invalid_recipient(fake_microsoft: FakeMicrosoft) -> None:
    fake_microsoft.add_user(SENDER)
    suppression = MemorySuppressionList()
    connector = create_connector(fake_microsoft.graph_config(sender=SENDER), suppression=suppression)
    html = RenderedMessage(
        "m1", Recipient("ada@example.org", "Ada"), "Hi", "text", html="<p>Hi</p>", reply_to="help@x.org"
    )
    try:
        sent = await connector.send(html)
        invalid = await connector.send(RenderedMessage("m2", Recipient("not-an-address"), "Hi", "text"))
        suppressed = await connector.send(RenderedMessage("m3", Recipient("not-an-address"), "Hi", "text"))
        check = await connector.check()
    finally:
        await connector.close()
    assert sent.status is DeliveryStatus.DELIVERED and check.ok
    (request,) = fake_microsoft.ok(r"/sendMail$")
    message = request.body["message"]
    assert message["body"] == {"contentType": "HTML", "content": "<p>Hi</p>"}
    assert message["toRecipients"] == [{"emailAddress": {"address": "ada@example.org", "name": "Ada"}}]
    assert message["replyTo"] == [{"emailAddress": {"address": "help@x.org"}}]
    assert sent.provider_id == request.reply_headers["request-id"]
    assert invalid.status is DeliveryStatus.PERMANENT_FAILURE and invalid.address_invalid
    assert await suppression.is_suppressed("not-an-address")
    assert suppressed.status is DeliveryStatus.PERMANENT_FAILURE
    assert len([r for r in fake_microsoft.received if r.path.endswith("/sendMail")]) == 2


async def test_unknown_sender_fails_permanently_and_check_says_so(fake_microsoft: FakeMicrosoft) -> None:
    connector = create_connector(fake_microsoft.graph_config(sender="ghost@council.gov.uk"))
    try:
        result = await connector.send(RenderedMessage("m1", Recipient("a@example.org"), "Hi", "text"))
        check = await connector.check()
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE and "ErrorInvalidUser" in result.detail
    assert not check.ok
