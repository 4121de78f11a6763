"""Process logging: text and JSON lines both carry the request id; a bad log_format is refused."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from lrs.http.access_log import RequestIdFilter
from lrs.logs import TEXT_FORMAT, JsonFormatter, configure_logging


def _record(message: str, request_id: str | None = None) -> logging.LogRecord:
    record = logging.LogRecord("lrs.test", logging.WARNING, __file__, 1, message, None, None)
    if request_id is not None:
        record.request_id = request_id
    RequestIdFilter().filter(record)
    return record


def test_json_lines_name_the_request() -> None:
    line = json.loads(JsonFormatter().format(_record("stored 3 statements", "a1b2c3d4e5f60718")))
    assert line["request_id"] == "a1b2c3d4e5f60718" and line["message"] == "stored 3 statements"
    assert line["level"] == "WARNING" and line["logger"] == "lrs.test" and line["time"].endswith("+00:00")


def test_text_lines_name_the_request() -> None:
    assert "[-]: started" in logging.Formatter(TEXT_FORMAT).format(_record("started"))


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log_format must be one of text, json"):
        configure_logging("INFO", "xml")


def test_secrets_in_messages_and_tracebacks_are_scrubbed() -> None:
    line = "Got more than 8190 bytes: b'/demo/module.html?endpoint=x&auth=Basic%20a2V5OnNlY3JldA&actor=%7B'"
    try:
        raise ValueError(line + " from ada@council.gov.uk")
    except ValueError:
        record = logging.LogRecord(
            "aiohttp.server", logging.ERROR, __file__, 1, "%s", (line,), sys.exc_info()
        )
    RequestIdFilter().filter(record)
    text = logging.Formatter(TEXT_FORMAT).format(record)
    assert "a2V5OnNlY3JldA" not in text and "ada@council.gov.uk" not in text and "%7B" not in text
    assert "auth=[redacted]" in text and "endpoint=x" in text and "ValueError" in text
