"""Settings of the SMTP email channel: the `[connectors.email]` table of the settings TOML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Any, Literal, TypeVar, cast

TlsMode = Literal["starttls", "implicit", "none"]
TLS_MODES: tuple[TlsMode, ...] = ("starttls", "implicit", "none")
DEFAULT_PORTS: Mapping[TlsMode, int] = {"starttls": 587, "implicit": 465, "none": 25}

Choice = TypeVar("Choice", bound=str)


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int
    from_address: str
    from_name: str = ""
    tls: TlsMode = "starttls"
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None  # extra CA bundle to trust (private relays, tests)
    timeout_seconds: float = 30.0
    local_hostname: str | None = None  # EHLO name; the machine's FQDN when unset
    reply_to: str | None = None  # default Reply-To when the message carries none
    unsubscribe_mailto: str | None = None  # mailbox for List-Unsubscribe: <mailto:...>
    message_id_domain: str = ""  # right-hand side of Message-IDs; from_address's domain when unset
    retry_after_seconds: float = 300.0  # suggested back-off after a transient SMTP failure
    attach_ics: bool = True  # also attach invitations as invite.ics (RFC 6047 allows both)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> EmailSettings:
        table = ConfigTable(data, "connectors.email")
        tls = table.choice("tls", TLS_MODES, "starttls")
        username = table.optional_text("username")
        password = table.optional_text("password")
        if (username is None) != (password is None):
            raise ValueError("connectors.email.password: username and password must be set together")
        if username is not None and tls == "none":
            raise ValueError("connectors.email.tls: refusing to send a password without TLS")
        from_address = table.email("from_address", required=True)
        settings = cls(
            host=table.text("host"),
            port=table.integer("port", DEFAULT_PORTS[tls]),
            from_address=cast(str, from_address),
            from_name=table.text("from_name", ""),
            tls=tls,
            username=username,
            password=password,
            ca_file=table.optional_text("ca_file"),
            timeout_seconds=table.positive_number("timeout_seconds", 30.0),
            local_hostname=table.optional_text("local_hostname"),
            reply_to=table.email("reply_to"),
            unsubscribe_mailto=table.email("unsubscribe_mailto"),
            message_id_domain=table.text("message_id_domain", "") or Address(addr_spec=from_address).domain,
            retry_after_seconds=table.positive_number("retry_after_seconds", 300.0),
            attach_ics=table.flag("attach_ics", True),
        )
        table.reject_unknown()
        return settings


class ConfigTable:
    """Typed reads from one TOML table; every error names the full key so operators can find it.

    Shared with the Notify channel, the other email transport.
    """

    def __init__(self, data: Mapping[str, Any], prefix: str) -> None:
        if not isinstance(data, Mapping):
            raise ValueError(f"{prefix}: expected a table, got {type(data).__name__}")
        self._data = data
        self._prefix = prefix
        self._read: set[str] = set()

    def _get(self, key: str) -> Any:
        self._read.add(key)
        return self._data.get(key)

    def _fail(self, key: str, problem: str) -> ValueError:
        return ValueError(f"{self._prefix}.{key}: {problem}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self._get(key)
        if value is None:
            if default is None:
                raise self._fail(key, "is required")
            return default
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self._fail(key, "expected a non-empty string")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self._get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self._fail(key, "expected a non-empty string")
        return value

    def email(self, key: str, *, required: bool = False) -> str | None:
        value = self.text(key) if required else self.optional_text(key)
        if value is None:
            return None
        try:
            address = Address(addr_spec=value)
        except (HeaderParseError, ValueError, IndexError) as err:
            raise self._fail(key, f"not an email address: {value!r}") from err
        if not address.username or not address.domain:
            raise self._fail(key, f"not an email address: {value!r}")
        return value

    def integer(self, key: str, default: int, *, low: int = 1, high: int = 65535) -> int:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self._fail(key, f"expected an integer between {low} and {high}")
        return value

    def positive_number(self, key: str, default: float) -> float:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self._fail(key, "expected a positive number")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._fail(key, "expected true or false")
        return value

    def choice(self, key: str, choices: tuple[Choice, ...], default: Choice) -> Choice:
        value = self._get(key)
        if value is None:
            return default
        if value not in choices:
            raise self._fail(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return cast(Choice, value)

    def reject_unknown(self) -> None:
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise self._fail(unknown[0], f"unknown key (known: {', '.join(sorted(self._read))})")
