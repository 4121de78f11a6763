"""Process logging: text and JSON lines both carry the request id; a bad log_format is refused."""

from __future__ import annotations

import json
import logging

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
