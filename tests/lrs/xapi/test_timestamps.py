"""Timestamps and durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from lrs.xapi.durations import check_duration, comparable_duration
from lrs.xapi.errors import XapiValidationError
from lrs.xapi.timestamps import format_timestamp, normalise_timestamp, parse_timestamp


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2008-09-15T15:53:00.601Z", datetime(2008, 9, 15, 15, 53, 0, 601000, tzinfo=UTC)),
        ("2008-09-15T15:53:00.601+00:00", datetime(2008, 9, 15, 15, 53, 0, 601000, tzinfo=UTC)),
        ("2008-09-15t15:53:00z", datetime(2008, 9, 15, 15, 53, tzinfo=UTC)),
        (
            "2008-09-15T15:53:00.123456789-05:30",
            datetime(2008, 9, 15, 15, 53, 0, 123456, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
        ),
        ("2008-09-15T15:53:00+0100", datetime(2008, 9, 15, 14, 53, tzinfo=UTC)),
        ("2008-09-15T15:53+01", datetime(2008, 9, 15, 14, 53, tzinfo=UTC)),
    ],
)
def test_parse_timestamp(value: str, expected: datetime) -> None:
    assert parse_timestamp(value, field="timestamp") == expected


@pytest.mark.parametrize(
    "value",
    [
        "should fail",
        "01/011/2015",
        "2008-09-15",
        "2008-09-15T15:53:00.601-00:00",
        "2008-09-15T15:53:00.601-0000",
        "2008-09-15T15:53:00.601-00",
        "2008-13-01T00:00:00Z",
        "2008-09-15T24:00:01Z",
        "2008-09-15T15:53:00Z ",
        "2008-09-15T15:53:00.Z",
    ],
)
def test_parse_timestamp_rejects(value: str) -> None:
    with pytest.raises(XapiValidationError) as caught:
        parse_timestamp(value, field="statement.timestamp")
    assert caught.value.field == "statement.timestamp"


def test_basic_format_and_missing_offset_only_for_1_0_3() -> None:
    assert normalise_timestamp("20080915T155300Z", field="t", version="1.0.3") == "20080915T155300Z"
    assert normalise_timestamp("2008-09-15T15:53:00", field="t", version="1.0.3") == "2008-09-15T15:53:00"
    for value in ("20080915T155300Z", "2008-09-15T15:53:00"):
        with pytest.raises(XapiValidationError):
            normalise_timestamp(value, field="t", version="2.0.0")


def test_normalise_timestamp_converts_to_utc_in_2_0_0() -> None:
    assert (
        normalise_timestamp("2008-09-15T23:53:00.6+08:00", field="t", version="2.0.0")
        == "2008-09-15T15:53:00.600000Z"
    )
    with pytest.raises(XapiValidationError):
        normalise_timestamp(1221493980, field="t", version="2.0.0")


def test_format_timestamp() -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, 6000, tzinfo=timezone(timedelta(hours=1)))
    assert format_timestamp(moment) == "2024-01-02T02:04:05.006000Z"
    with pytest.raises(ValueError, match="aware"):
        format_timestamp(datetime(2024, 1, 1))


@pytest.mark.parametrize(
    "value",
    [
        "PT1H0M0.1S",
        "P1Y2M3DT4H5M6S",
        "P4W",
        "P0D",
        "PT0S",
        "PT36H",
        "P1.5Y",
        "PT1H30.25M",
        "PT0,5S",
        "P1DT1H",
    ],
)
def test_durations_accepted(value: str) -> None:
    assert check_duration(value, "d") == value


@pytest.mark.parametrize(
    "value",
    [
        "PA1H0M0S",
        "P",
        "PT",
        "P1DT",
        "1H",
        "PT1.5H30M",
        "P1W2D",
        "P0003-02-01T00:00:00",
        "PT-1S",
        "pt1s",
        12345,
        "P1M1Y",
    ],
)
def test_durations_rejected(value: object) -> None:
    with pytest.raises(XapiValidationError) as caught:
        check_duration(value, "statement.result.duration")
    assert caught.value.field == "statement.result.duration"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("PT1.2345S", "PT1.23S"),
        ("PT1.009S", "PT1S"),
        ("PT1.10S", "PT1.1S"),
        ("PT5M", "PT5M"),
        ("P1DT2,559S", "P1DT2.55S"),
    ],
)
def test_comparable_duration(value: str, expected: str) -> None:
    assert comparable_duration(value) == expected
