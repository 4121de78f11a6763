"""Programme definitions from TOML files or JSON bodies into validated `Programme` objects.

The shape is the same in both (dates and date-times may be strings in JSON); see docs/programmes.md.
Every error is a `DefinitionError` naming the key path, e.g. ``sessions[2].end``, and the file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from datetime import UTC
from pathlib import Path
from typing import Any, TypeVar

from lrs.programme import fields as f
from lrs.programme.fields import DefinitionError
from lrs.programme.model import (
    DEFAULT_TIMEZONE,
    CalendarPeriod,
    Cohort,
    Eligibility,
    Module,
    MoveOn,
    Organisation,
    OrganisationList,
    Programme,
    Sector,
    Session,
    SessionKind,
)
from lrs.programme.parts import (
    parse_completion,
    parse_confidence,
    parse_off_the_job,
    parse_online,
    parse_raw_blocks,
    web_url,
)
from lrs.programme.references import resolve_programme

_T = TypeVar("_T")
_Choice = TypeVar("_Choice", MoveOn, Sector, SessionKind)
_TOP = (
    "organisations",
    "lists",
    "modules",
    "sessions",
    "blocks",
    "completion",
    "confidence",
    "off_the_job",
    "notifications",
)


def load_programme_file(path: Path) -> Programme:
    """Read and validate one TOML file; errors name the file."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise DefinitionError("(file)", f"not valid TOML: {err}", str(path)) from None
    try:
        return parse_programme(raw)
    except DefinitionError as err:
        raise err.in_source(str(path)) from None


def load_programme_dir(directory: Path) -> list[Programme]:
    """Every *.toml in `directory`, sorted by file name."""
    return [programme for _, programme in load_programme_paths(directory)]


def load_programme_paths(directory: Path) -> list[tuple[Path, Programme]]:
    """(file, programme) for every *.toml in `directory`; one programme id in two files is an error."""
    seen: dict[str, Path] = {}
    loaded: list[tuple[Path, Programme]] = []
    for path in sorted(directory.glob("*.toml")):
        programme = load_programme_file(path)
        if programme.id in seen:
            message = f"programme id {programme.id!r} is already defined in {seen[programme.id]}"
            raise DefinitionError("programme.id", message, str(path))
        seen[programme.id] = path
        loaded.append((path, programme))
    return loaded


def parse_programme(raw: object) -> Programme:
    """A definition mapping (parsed TOML or JSON) to a validated programme."""
    top = f.table(raw, "", required=("programme", "cohorts"), optional=_TOP)
    head = f.table(
        top["programme"], "programme", required=("id", "title"), optional=("description", "timezone", "url")
    )
    tz = f.zone(head.get("timezone", DEFAULT_TIMEZONE), "programme.timezone")
    cohorts = tuple(_items(top, "cohorts", _cohort))
    only_cohort = cohorts[0].id if len(cohorts) == 1 else None
    programme = Programme(
        id=f.slug(head["id"], "programme.id"),
        title=f.text(head["title"], "programme.title"),
        description=f.text(head.get("description", ""), "programme.description", allow_empty=True),
        url=web_url(head["url"], "programme.url") if "url" in head else None,
        organisations=tuple(_items(top, "organisations", _organisation)),
        lists=tuple(_items(top, "lists", _organisation_list)),
        cohorts=cohorts,
        modules=tuple(_items(top, "modules", _module)),
        sessions=tuple(_items(top, "sessions", lambda raw, path: _session(raw, path, tz.key, only_cohort))),
        completion=parse_completion(top.get("completion", {}), "completion"),
        confidence=parse_confidence(top["confidence"], "confidence") if "confidence" in top else None,
        off_the_job=parse_off_the_job(top["off_the_job"], "off_the_job") if "off_the_job" in top else None,
        notifications=_notification_rules(top.get("notifications", {})),
    )
    return resolve_programme(programme, parse_raw_blocks(top.get("blocks", []), "blocks"))


def _notification_rules(raw: object) -> dict[str, Any]:
    """The `[notifications]` table, checked by the engine's own parser so that an unknown rule or a bad
    duration is refused at load with its key path."""
    from notifications.rules import RulesError, parse_rules  # the engine owns what its table may say

    if not isinstance(raw, Mapping):
        raise DefinitionError("notifications", "must be a table")
    table = dict(raw)
    try:
        parse_rules(table, path="notifications")
    except RulesError as err:
        raise DefinitionError(err.path, err.message) from None
    return dict(table)


def check_programme_templates(programme: Programme, root: Path, source: str = "") -> None:
    """DefinitionError at `notifications.templates` for the first of the programme's own templates
    that does not render (or a folder that is not there); `root` is the programmes folder."""
    from notifications.content import template_problems  # the engine owns its templates

    found = [str(problem).removeprefix("template -/*/-: notifications.templates: ") for problem in
             template_problems(programme, root)]  # fmt: skip
    problems = list(dict.fromkeys(found))  # one bad file fails every channel alike
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DefinitionError("notifications.templates", problems[0] + more, source)


def _items(top: Mapping[str, Any], key: str, parse: Callable[[object, str], _T]) -> list[_T]:
    return [parse(item, f"{key}[{index}]") for index, item in enumerate(f.array(top.get(key, []), key))]


def _organisation(raw: object, path: str) -> Organisation:
    item = f.table(raw, path, required=("id", "name", "sector"), optional=())
    return Organisation(
        id=f.slug(item["id"], f"{path}.id"),
        name=f.text(item["name"], f"{path}.name"),
        sector=_choice(Sector, item["sector"], f"{path}.sector"),
    )


def _organisation_list(raw: object, path: str) -> OrganisationList:
    item = f.table(raw, path, required=("id", "organisations"), optional=("title",))
    list_id = f.slug(item["id"], f"{path}.id")
    return OrganisationList(
        id=list_id,
        title=f.text(item.get("title", list_id), f"{path}.title"),
        organisations=frozenset(f.slugs(item["organisations"], f"{path}.organisations")),
    )


def _cohort(raw: object, path: str) -> Cohort:
    optional = ("eligibility", "teams_channel")
    item = f.table(raw, path, required=("id", "title", "start", "end"), optional=optional)
    start = f.calendar_date(item["start"], f"{path}.start")
    end = f.calendar_date(item["end"], f"{path}.end")
    if end < start:
        raise DefinitionError(f"{path}.end", f"{end} is before the start {start}")
    return Cohort(
        id=f.slug(item["id"], f"{path}.id"),
        title=f.text(item["title"], f"{path}.title"),
        start=start,
        end=end,
        eligibility=_eligibility(item.get("eligibility", {}), f"{path}.eligibility"),
        teams_channel=f.slug(item["teams_channel"], f"{path}.teams_channel")
        if "teams_channel" in item
        else None,
    )


def _eligibility(raw: object, path: str) -> Eligibility:
    item = f.table(raw, path, required=(), optional=("organisations", "sectors", "lists"))
    sectors = f.array(item.get("sectors", []), f"{path}.sectors")
    return Eligibility(
        organisations=frozenset(f.slugs(item.get("organisations", []), f"{path}.organisations")),
        sectors=frozenset(_choice(Sector, value, f"{path}.sectors[{i}]") for i, value in enumerate(sectors)),
        lists=f.slugs(item.get("lists", []), f"{path}.lists"),
    )


def _module(raw: object, path: str) -> Module:
    optional = ("move_on", "mastery_score", "due", "blocks", "url")
    item = f.table(raw, path, required=("id", "activity", "title"), optional=optional)
    due = None
    if "due" in item:
        try:
            due = CalendarPeriod.parse(f.text(item["due"], f"{path}.due"))
        except ValueError as err:
            raise DefinitionError(f"{path}.due", str(err)) from None
    mastery = item.get("mastery_score")
    return Module(
        id=f.slug(item["id"], f"{path}.id"),
        activity_iri=f.iri(item["activity"], f"{path}.activity"),
        title=f.text(item["title"], f"{path}.title"),
        move_on=_choice(MoveOn, item.get("move_on", MoveOn.COMPLETED.value), f"{path}.move_on"),
        mastery_score=None if mastery is None else f.number(mastery, f"{path}.mastery_score", low=0, high=1),
        due=due,
        blocks=f.slugs(item.get("blocks", []), f"{path}.blocks"),
        url=web_url(item["url"], f"{path}.url") if "url" in item else None,
    )


def _session(raw: object, path: str, default_zone: str, only_cohort: str | None) -> Session:
    required = ("id", "activity", "title", "kind", "start", "end")
    optional = ("cohort", "timezone", "location", "online", "attendees", "blocks", "catch_up_url")
    item = f.table(raw, path, required=required, optional=optional)
    if "cohort" not in item and only_cohort is None:
        raise DefinitionError(f"{path}.cohort", "is required when the programme has several cohorts")
    tz = f.zone(item.get("timezone", default_zone), f"{path}.timezone")
    start = f.local_datetime(item["start"], f"{path}.start", tz).astimezone(UTC)
    end = f.local_datetime(item["end"], f"{path}.end", tz).astimezone(UTC)
    if end <= start:
        local = f"{end.astimezone(tz).isoformat()} is not after the start {start.astimezone(tz).isoformat()}"
        raise DefinitionError(f"{path}.end", local)
    if "location" not in item and "online" not in item:
        raise DefinitionError(path, "needs a location, an online meeting, or both")
    return Session(
        id=f.slug(item["id"], f"{path}.id"),
        cohort=f.slug(item.get("cohort", only_cohort), f"{path}.cohort"),
        activity_iri=f.iri(item["activity"], f"{path}.activity"),
        title=f.text(item["title"], f"{path}.title"),
        kind=_choice(SessionKind, item["kind"], f"{path}.kind"),
        start=start,
        end=end,
        timezone=tz.key,
        location=f.text(item["location"], f"{path}.location") if "location" in item else None,
        online=parse_online(item["online"], f"{path}.online") if "online" in item else None,
        expected_attendees=_attendees(item.get("attendees", "cohort"), f"{path}.attendees"),
        blocks=f.slugs(item.get("blocks", []), f"{path}.blocks"),
        catch_up_url=web_url(item["catch_up_url"], f"{path}.catch_up_url")
        if "catch_up_url" in item
        else None,
    )


def _optional_url(item: Mapping[str, Any], key: str, path: str) -> str | None:
    return web_url(item[key], f"{path}.{key}") if key in item else None


def _attendees(raw: object, path: str) -> tuple[str, ...] | None:
    if raw == "cohort":
        return None
    if isinstance(raw, str):
        raise DefinitionError(path, 'must be "cohort" or an array of work e-mail addresses')
    return tuple(f.email(item, f"{path}[{index}]") for index, item in enumerate(f.array(raw, path)))


def _choice(kind: type[_Choice], raw: object, path: str) -> _Choice:
    value = f.text(raw, path)
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise DefinitionError(path, f"{value!r} is not one of: {allowed}") from None
