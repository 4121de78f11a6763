"""Reading typed values out of a connector's TOML table, with errors that name the key."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from connectors.graph.secret import Secret


def config_error(section: str, key: str, problem: str) -> ValueError:
    return ValueError(f"[{section}] {key}: {problem}")


def require_str(data: Mapping[str, Any], key: str, section: str) -> str:
    value = optional_str(data, key, section)
    if value is None:
        raise config_error(section, key, "is required")
    return value


def optional_str(data: Mapping[str, Any], key: str, section: str, default: str | None = None) -> str | None:
    value = data.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise config_error(section, key, f"must be a non-empty string, got {type(value).__name__}")
    return value.strip()


def optional_float(
    data: Mapping[str, Any], key: str, section: str, default: float, *, minimum: float = 0.0
) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise config_error(section, key, f"must be a number, got {type(value).__name__}")
    if value < minimum:
        raise config_error(section, key, f"must be >= {minimum}, got {value}")
    return float(value)


def optional_int(data: Mapping[str, Any], key: str, section: str, default: int, *, minimum: int = 0) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise config_error(section, key, f"must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise config_error(section, key, f"must be >= {minimum}, got {value}")
    return value


def optional_bool(data: Mapping[str, Any], key: str, section: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise config_error(section, key, f"must be true or false, got {type(value).__name__}")
    return value


def secret_from(
    data: Mapping[str, Any], key: str, section: str, environ: Mapping[str, str] | None = None
) -> Secret | None:
    """`key` holds the value inline; `<key>_env` names an environment variable that holds it."""
    inline = optional_str(data, key, section)
    env_name = optional_str(data, f"{key}_env", section)
    if inline is not None and env_name is not None:
        raise config_error(section, key, f"set either {key} or {key}_env, not both")
    if inline is not None:
        return Secret(inline)
    if env_name is None:
        return None
    value = (os.environ if environ is None else environ).get(env_name, "").strip()
    if not value:
        raise config_error(section, f"{key}_env", f"environment variable {env_name} is empty or unset")
    return Secret(value)
