"""`lrs connectors check` and `lrs connectors send-test`: try the configured channels by hand.

The `lrs` console command mounts these with `add_subcommands()` and calls `run()` with the
`[connectors]` table of the settings TOML.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from connectors import registry
from connectors.base import (
    CalendarInvite,
    DeliveryResult,
    DeliveryStatus,
    Recipient,
    RenderedMessage,
    SuppressionList,
)

TEST_CHANNELS = ("teams", "email", "calendar", "notify", "teams_channel", "graph_mail")
Clock = Callable[[], datetime]


def add_subcommands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("connectors", help="check or try the delivery channels")
    commands = parser.add_subparsers(dest="connectors_command", metavar="COMMAND", required=True)
    commands.add_parser("check", help="connect and authenticate to every configured channel")
    send = commands.add_parser("send-test", help="send a sample message through one channel")
    send.add_argument("--channel", required=True, choices=TEST_CHANNELS)
    send.add_argument("--to", required=True, metavar="EMAIL", help="recipient address")


async def run(
    args: argparse.Namespace,
    connectors_config: Mapping[str, Any],
    *,
    out: TextIO | None = None,
    clock: Clock | None = None,
    suppression: SuppressionList | None = None,
) -> int:
    """Run the chosen `connectors` subcommand; returns the process exit code. `suppression` (the
    LRS passes its durable list) makes send-test refuse addresses that bounced before."""
    stream = out or sys.stdout
    now = clock or (lambda: datetime.now(UTC))
    if args.connectors_command == "check":
        return await check_all(connectors_config, stream)
    if args.connectors_command == "send-test":
        return await send_test(args.channel, args.to, connectors_config, stream, now(), suppression)
    raise ValueError(f"unknown connectors command {args.connectors_command!r}")


async def check_all(connectors_config: Mapping[str, Any], out: TextIO) -> int:
    """One line per configured channel; 0 only if every channel is OK."""
    try:
        channels = registry.configured_channels(connectors_config)
    except ValueError as err:
        print(f"FAIL {err}", file=out)
        return 1
    if not channels:
        print(
            "FAIL no channels configured under [connectors]: see docs/connectors.md to set up "
            "Teams and email",
            file=out,
        )
        return 1
    results = [await _check_one(channel, connectors_config[channel]) for channel in channels]
    width = max(len(channel) for channel in channels)
    for channel, ok, detail in results:
        print(f"{channel:<{width}}  {'OK  ' if ok else 'FAIL'}  {detail}", file=out)
    return 0 if all(ok for _, ok, _ in results) else 1


async def _check_one(channel: str, table: Mapping[str, Any]) -> tuple[str, bool, str]:
    try:
        connector = registry.create(channel, table)
    except (ValueError, ImportError) as err:
        return channel, False, f"configuration: {err}"
    try:
        result = await connector.check()
    except Exception as err:  # a check must report, never crash the command
        return channel, False, f"{type(err).__name__}: {err}"
    finally:
        await connector.close()
    return channel, result.ok, result.detail


async def send_test(
    channel: str,
    to: str,
    connectors_config: Mapping[str, Any],
    out: TextIO,
    now: datetime,
    suppression: SuppressionList | None = None,
) -> int:
    """Send a sample nudge (or, for "calendar", a sample review-day invitation) and print the result."""
    transport = _transport_for(channel, connectors_config)
    if transport is None:
        print(f"FAIL [connectors.{channel}] is not configured", file=out)
        return 1
    table = connectors_config[transport]
    if channel == "calendar":
        message = sample_invitation(to, now)
    else:
        # A Teams nudge opens the configured deep link, or fails saying default_web_url is missing.
        link = _configured_link(table)
        message = sample_nudge(to, now, link if transport == "teams" else link or SAMPLE_LINK)
    try:
        connector = registry.create(transport, table, suppression)
    except (ValueError, ImportError) as err:
        print(f"FAIL {transport}: configuration: {err}", file=out)
        return 1
    try:
        result = await connector.send(message)
    except Exception as err:  # a connector bug must still end in one line, not a traceback
        result = DeliveryResult.failed(f"unexpected {type(err).__name__}: {err}")
    finally:
        await connector.close()
    print(_describe(transport, result), file=out)
    return 0 if result.status is DeliveryStatus.DELIVERED else 1


def _transport_for(channel: str, connectors_config: Mapping[str, Any]) -> str | None:
    """The configured channel that carries `channel`: invitations fall back to iCalendar email."""
    if channel in connectors_config:
        return channel
    if channel == "calendar" and "email" in connectors_config:
        return "email"
    return None


def _describe(transport: str, result: DeliveryResult) -> str:
    parts = [f"channel={transport}", f"status={result.status.value}", f"provider_id={result.provider_id}"]
    if result.retry_after is not None:
        parts.append(f"retry_after={result.retry_after:g}s")
    if result.address_invalid:
        parts.append("address_invalid=true")
    if result.detail:
        parts.append(f"detail={result.detail}")
    return " ".join(parts)


SAMPLE_LINK = "https://example.invalid/cohort-lrs/send-test"


def _configured_link(table: Mapping[str, Any]) -> str | None:
    """The channel's own `default_web_url` (a Teams deep link), so the test nudge opens what learners'
    nudges open; channels without one get the sample link."""
    configured = table.get("default_web_url") if isinstance(table, Mapping) else None
    return str(configured) if configured else None


def sample_nudge(to: str, now: datetime, link: str | None = SAMPLE_LINK) -> RenderedMessage:
    opening = f" Open: {link}" if link else ""
    text = (
        "This is a test message from cohort-lrs. If you can read it, this channel works.\n\n"
        f"Sent at {now.isoformat(timespec='seconds')}.{opening}"
    )
    return RenderedMessage(
        idempotency_key=f"send-test:{uuid.uuid4()}",  # fresh, so every run really sends
        recipient=Recipient(to),
        subject="cohort-lrs test message",
        text=text,
        html="<p>This is a test message from <b>cohort-lrs</b>.</p>"
        + (f'<p><a href="{link}">Open</a></p>' if link else ""),
        deep_link=link,
        card=_sample_card(text, link),
    )


def _sample_card(text: str, link: str | None) -> Mapping[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": "cohort-lrs test message", "weight": "Bolder", "size": "Medium"},
            {"type": "TextBlock", "text": text, "wrap": True},
        ],
    }
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open", "url": link}]
    return card


def sample_invitation(to: str, now: datetime) -> RenderedMessage:
    """A one-hour review day at 10:00 London time two days from now."""
    london = ZoneInfo("Europe/London")
    day = (now.astimezone(london) + timedelta(days=2)).date()
    start = datetime(day.year, day.month, day.day, 10, tzinfo=london)
    invite = CalendarInvite(
        uid=f"send-test-{uuid.uuid4()}@cohort-lrs",
        sequence=0,
        title="cohort-lrs test review day",
        description="A test invitation from cohort-lrs. You can decline it.",
        start=start,
        end=start + timedelta(hours=1),
        location="Online",
        attendees=(Recipient(to),),
    )
    nudge = sample_nudge(to, now)
    return RenderedMessage(
        idempotency_key=f"send-test:{invite.uid}",
        recipient=nudge.recipient,
        subject="Invitation: cohort-lrs test review day",
        text=invite.description,
        html=f"<p>{invite.description}</p>",
        invite=invite,
    )
