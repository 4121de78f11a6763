"""Request content limits: body size (declared or streamed), attachment size, JSON depth and item
count, each refused with a JSON 413 that a browser can read, and each honoured just under the limit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from lrs.xapi.multipart import AttachmentPart, build_multipart_mixed
from tests.lrs.http.test_statements_basic import statement
from tests.lrs_server import RunningLrs, running_lrs

BODY_LIMIT = 64 * 1024
ATTACHMENT_LIMIT = 1024
DEPTH_LIMIT = 12
ITEM_LIMIT = 200
EXTENSION = "https://cohort-lrs.example/extensions/payload"


@pytest.fixture
async def small_lrs(sqlite_url: str) -> AsyncIterator[RunningLrs]:
    """SQLite only: limits are enforced before storage is reached."""
    async with running_lrs(
        sqlite_url,
        max_body_bytes=BODY_LIMIT,
        max_attachment_bytes=ATTACHMENT_LIMIT,
        max_json_depth=DEPTH_LIMIT,
        max_json_items=ITEM_LIMIT,
    ) as server:
        yield server


def with_extension(value: Any) -> dict[str, Any]:
    return statement(result={"extensions": {EXTENSION: value}})


def nested(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = [value]
    return value


async def assert_413(response: aiohttp.ClientResponse, *words: str) -> None:
    assert response.status == 413, await response.text()
    assert response.content_type == "application/json"
    message = (await response.json())["message"]
    for word in words:
        assert word in message, message


async def test_declared_body_over_the_limit(small_lrs: RunningLrs) -> None:
    padding = "x" * BODY_LIMIT
    response = await small_lrs.request("POST", "/xapi/statements", json=with_extension(padding))
    await assert_413(response, str(BODY_LIMIT))


async def test_streamed_body_without_length_over_the_limit(small_lrs: RunningLrs) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"actor": {"mbox": "mailto:a@example.org"}, "padding": "'
        for _ in range(8):
            yield b"y" * (BODY_LIMIT // 4)
        yield b'"}'

    response = await small_lrs.request(
        "POST", "/xapi/statements", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.request_info.headers.get("Transfer-Encoding") == "chunked"
    await assert_413(response, str(BODY_LIMIT))


async def test_body_just_under_the_limit_is_accepted(small_lrs: RunningLrs) -> None:
    base = len(json.dumps(with_extension("")))
    response = await small_lrs.request(
        "POST", "/xapi/statements", json=with_extension("z" * (BODY_LIMIT - base - 16))
    )
    assert response.status == 200, await response.text()


def multipart_statement(data: bytes) -> tuple[str, bytes]:
    sha2 = hashlib.sha256(data).hexdigest()
    attached = statement(
        attachments=[
            {
                "usageType": "https://cohort-lrs.example/attachments/certificate",
                "display": {"en-GB": "certificate"},
                "contentType": "application/octet-stream",
                "length": len(data),
                "sha2": sha2,
            }
        ]
    )
    part = AttachmentPart(sha2=sha2, content_type="application/octet-stream", data=data)
    return build_multipart_mixed(json.dumps(attached).encode(), [part])


@pytest.mark.parametrize(("size", "status"), [(ATTACHMENT_LIMIT, 200), (ATTACHMENT_LIMIT + 1, 413)])
async def test_attachment_size(small_lrs: RunningLrs, size: int, status: int) -> None:
    content_type, body = multipart_statement(b"\x00" * size)
    response = await small_lrs.request(
        "POST", "/xapi/statements", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == status, await response.text()
    if status == 413:
        await assert_413(response, "attachment", str(ATTACHMENT_LIMIT))


async def test_json_depth(small_lrs: RunningLrs) -> None:
    # The statement wraps the extension value in result -> extensions: three levels of its own.
    at_limit = await small_lrs.request(
        "POST", "/xapi/statements", json=with_extension(nested(DEPTH_LIMIT - 3))
    )
    assert at_limit.status == 200, await at_limit.text()
    too_deep = await small_lrs.request(
        "POST", "/xapi/statements", json=with_extension(nested(DEPTH_LIMIT - 2))
    )
    await assert_413(too_deep, "nested", str(DEPTH_LIMIT))


async def test_json_item_count(small_lrs: RunningLrs) -> None:
    # Brackets and commas inside strings do not count; values do.
    harmless = await small_lrs.request("POST", "/xapi/statements", json=with_extension("[,{," * 500))
    assert harmless.status == 200, await harmless.text()
    too_many = await small_lrs.request(
        "POST", "/xapi/statements", json=with_extension(list(range(ITEM_LIMIT)))
    )
    await assert_413(too_many, "more than", str(ITEM_LIMIT))


async def test_alternate_syntax_form_over_the_limit(small_lrs: RunningLrs) -> None:
    form = {
        "X-Experience-API-Version": "1.0.3",
        **small_lrs.headers(),
        "content": json.dumps(with_extension("w" * BODY_LIMIT)),
    }
    response = await small_lrs.session.post(
        small_lrs.server.make_url("/xapi/statements").with_query(method="POST"), data=form
    )
    await assert_413(response, str(BODY_LIMIT))


async def test_413_is_readable_cross_origin(small_lrs: RunningLrs) -> None:
    response = await small_lrs.request(
        "POST",
        "/xapi/statements",
        json=with_extension(nested(DEPTH_LIMIT)),
        headers={"Origin": "https://content.example"},
    )
    await assert_413(response)
    assert response.headers["Access-Control-Allow-Origin"] == "https://content.example"


STATE = {
    "activityId": "https://cohort-lrs.example/modules/agile",
    "agent": json.dumps({"objectType": "Agent", "mbox": "mailto:learner@council.gov.uk"}),
    "stateId": "bookmark",
}


async def test_document_body_over_the_limit(small_lrs: RunningLrs) -> None:
    declared = await small_lrs.request(
        "PUT", "/xapi/activities/state", params=STATE, data=b"d" * (BODY_LIMIT + 1)
    )
    await assert_413(declared, str(BODY_LIMIT))

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"s" * (BODY_LIMIT // 4)

    streamed = await small_lrs.request("PUT", "/xapi/activities/state", params=STATE, data=chunks())
    await assert_413(streamed, str(BODY_LIMIT))
    missing = await small_lrs.request("GET", "/xapi/activities/state", params=STATE)
    assert missing.status == 404
    under = await small_lrs.request(
        "PUT", "/xapi/activities/state", params=STATE, data=b"u" * (BODY_LIMIT - 1)
    )
    assert under.status == 204, await under.text()


async def test_posted_json_document_shape_limits(small_lrs: RunningLrs) -> None:
    too_deep = await small_lrs.request(
        "POST", "/xapi/activities/state", params=STATE, json={"page": nested(DEPTH_LIMIT)}
    )
    await assert_413(too_deep, "nested", str(DEPTH_LIMIT))
    too_many = await small_lrs.request(
        "POST", "/xapi/activities/state", params=STATE, json={"pages": list(range(ITEM_LIMIT + 1))}
    )
    await assert_413(too_many, "more than", str(ITEM_LIMIT))
    within = await small_lrs.request(
        "POST", "/xapi/activities/state", params=STATE, json={"page": nested(DEPTH_LIMIT - 1)}
    )
    assert within.status == 204, await within.text()
