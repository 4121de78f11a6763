"""What schemathesis found (tests/lrs/reporting/test_schemathesis.py), each kept as a plain test:
a clear 400 naming the parameter, never a 500, on both databases."""

from __future__ import annotations

from lrs.reporting.filters import CompletionFilters, Cursor, encode_cursor
from tests.lrs_server import RunningLrs

HUGE = "96583645590506166859260718219264"  # beyond a 64-bit integer


async def test_a_huge_notifications_cursor_is_a_400(lrs: RunningLrs) -> None:
    response = await lrs.request("GET", "/admin/notifications", params={"state": "failed", "cursor": HUGE})
    assert response.status == 400
    assert (await response.json())["field"] == "cursor"


async def test_a_huge_since_watermark_is_a_400(lrs: RunningLrs) -> None:
    response = await lrs.request("GET", "/api/v1/completions", params={"since": "c" + HUGE})
    assert response.status == 400
    assert (await response.json())["field"] == "since"


async def test_a_forged_completions_cursor_with_huge_numbers_is_a_400(lrs: RunningLrs) -> None:
    forged = encode_cursor(CompletionFilters(), Cursor(int(HUGE), int(HUGE), -int(HUGE)))
    response = await lrs.request("GET", "/api/v1/completions", params={"cursor": forged})
    assert response.status == 400
    assert (await response.json())["field"] == "cursor"
