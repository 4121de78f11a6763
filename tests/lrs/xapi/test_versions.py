"""X-Experience-API-Version negotiation."""

from __future__ import annotations

import pytest

from lrs.xapi.errors import XapiValidationError
from lrs.xapi.versions import negotiate_version


@pytest.mark.parametrize(
    ("header", "version"),
    [
        ("1.0", "1.0.3"),
        ("1.0.0", "1.0.3"),
        ("1.0.3", "1.0.3"),
        ("1.0.9", "1.0.3"),
        (" 1.0.1 ", "1.0.3"),
        ("2.0", "2.0.0"),
        ("2.0.0", "2.0.0"),
        ("2.0.1", "2.0.0"),
    ],
)
def test_negotiate(header: str, version: str) -> None:
    assert negotiate_version(header) == version


@pytest.mark.parametrize(
    "header",
    [None, "", "0.95", "0.9", "1.1.0", "1", "2", "1.0.", "1.0.x", "2.1", "1.0.01", "3.0.0", "\uff11.0"],
)
def test_negotiate_rejects(header: str | None) -> None:
    with pytest.raises(XapiValidationError) as caught:
        negotiate_version(header)
    assert caught.value.field == "X-Experience-API-Version"
