"""Admin API: programme definitions, cohorts with their roster, roster import. Needs scope "all".

GET  /admin/programmes                 summaries
GET  /admin/programmes/{id}            the definition JSON (ETag: its hash)
PUT  /admin/programmes/{id}            replace or create it (validated; 400 names the key path)
GET  /admin/cohorts/{id}               cohort, its sessions and roster
POST /admin/cohorts/{id}/roster        text/csv roster import (?accept_valid=true, ?dry_run=true)
GET  /admin/cohorts/{id}/confidence    pre/post digital confidence self-assessment per learner and means
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from lrs.errors import InvalidRequest
from lrs.http.auth import caller_for, require
from lrs.http.bodies import parse_json
from lrs.http.context import CALLER, CLOCK, DATABASE, SETTINGS
from lrs.programme.loader import check_programme_templates, load_programme_paths, parse_programme
from lrs.programme.model import Programme
from lrs.programme.queries import cohort_record, cohort_roster, cohort_sessions
from lrs.programme.records import RosterEntry
from lrs.programme.roster import parse_roster_csv
from lrs.programme.roster_import import import_roster
from lrs.programme.store import list_programmes, save_programme, save_programmes, stored_definition
from lrs.progress.confidence import Answer, cohort_confidence
from lrs.scopes import Access
from lrs.storage.audit import record_audit
from lrs.storage.engine import Database
from lrs.text_files import decode_text

log = logging.getLogger(__name__)


def add_admin_routes(app: web.Application) -> None:
    app.router.add_get("/admin/programmes", get_programmes)
    app.router.add_get("/admin/programmes/{programme}", get_programme)
    app.router.add_put("/admin/programmes/{programme}", put_programme)
    app.router.add_get("/admin/cohorts/{cohort}", get_cohort)
    app.router.add_post("/admin/cohorts/{cohort}/roster", post_roster)
    app.router.add_get("/admin/cohorts/{cohort}/confidence", get_confidence)


async def programmes_ctx(app: web.Application) -> AsyncIterator[None]:
    """Load the programme files under settings.programmes_dir at start (a no-op when unchanged)."""
    await load_programme_dir(app[DATABASE], Path(app[SETTINGS].programmes_dir), now=app[CLOCK]())
    yield


async def load_programme_dir(database: Database, directory: Path, *, now: datetime) -> None:
    loaded = await asyncio.to_thread(_read_programme_dir, directory)
    if loaded is None:
        log.info("no programme directory at %s", directory)
        return
    async with database.write_session() as session, session.begin():
        results = await save_programmes(session, loaded, now=now)
    changed = [item.programme_id for item in results if item.changed]
    log.info("programmes in %s: %d loaded, changed: %s", directory, len(results), changed or "none")


def _read_programme_dir(directory: Path) -> list[tuple[Path, Programme]] | None:
    return load_programme_paths(directory) if directory.is_dir() else None


async def _admin(request: web.Request) -> None:
    request[CALLER] = await caller_for(request)
    require(request, Access.ADMIN)


async def get_programmes(request: web.Request) -> web.Response:
    await _admin(request)
    async with request.app[DATABASE].read_session() as session:
        summaries = await list_programmes(session)
    items = [
        {
            "id": item.id,
            "title": item.title,
            "version": item.version,
            "hash": item.definition_hash,
            "source": item.source,
            "updated_at": item.updated_at.isoformat(),
        }
        for item in summaries
    ]
    return web.json_response({"programmes": items})


async def get_programme(request: web.Request) -> web.Response:
    await _admin(request)
    async with request.app[DATABASE].read_session() as session:
        definition = await stored_definition(session, request.match_info["programme"])
    return web.json_response(definition)


async def put_programme(request: web.Request) -> web.Response:
    await _admin(request)
    programme_id = request.match_info["programme"]
    settings = request.app[SETTINGS]
    text = decode_text(await request.read(), field="body", max_line_chars=settings.max_body_bytes)
    body = parse_json(
        text.encode(), field="body", max_depth=settings.max_json_depth, max_items=settings.max_json_items
    )
    programme = parse_programme(body)
    if programme.id != programme_id:
        raise InvalidRequest("programme.id", f"{programme.id!r} does not match the URL ({programme_id!r})")
    check_programme_templates(programme, Path(settings.programmes_dir))
    async with request.app[DATABASE].write_session() as session, session.begin():
        result = await save_programme(session, programme, source="api", now=request.app[CLOCK]())
        await record_audit(
            session,
            at=request.app[CLOCK](),
            actor=f"credential:{request[CALLER].key}",
            action="programme.put",
            target=programme_id,
            detail={"version": result.version, "changed": result.changed},
        )
    status = 201 if result.changed and result.version == 1 else 200
    body = {"id": result.programme_id, "version": result.version, "changed": result.changed}
    return web.json_response(body, status=status)


async def get_cohort(request: web.Request) -> web.Response:
    await _admin(request)
    async with request.app[DATABASE].read_session() as session:
        cohort = await cohort_record(session, request.match_info["cohort"])
        sessions = await cohort_sessions(session, cohort.id)
        roster = await cohort_roster(session, cohort.id)
    return web.json_response(
        {
            "id": cohort.id,
            "programme": cohort.programme_id,
            "title": cohort.title,
            "start": cohort.start.isoformat(),
            "end": cohort.end.isoformat(),
            "sessions": [
                {
                    "id": item.session_id,
                    "title": item.title,
                    "kind": item.kind.value,
                    "activity": item.activity_iri,
                    "start": item.start.isoformat(),
                    "end": item.end.isoformat(),
                    "timezone": item.timezone,
                }
                for item in sessions
            ],
            "roster": [_roster_entry(entry) for entry in roster],
        }
    )


async def get_confidence(request: web.Request) -> web.Response:
    await _admin(request)
    async with request.app[DATABASE].read_session() as session:
        cohort = await cohort_record(session, request.match_info["cohort"])
        results = await cohort_confidence(session, cohort.id)
    return web.json_response(
        {
            "cohort": cohort.id,
            "programme": cohort.programme_id,
            "mean_pre": results.mean_pre,
            "mean_post": results.mean_post,
            "mean_change": results.mean_change,
            "learners": [
                {
                    "learner_id": item.learner_id,
                    "pre": _answer(item.pre),
                    "post": _answer(item.post),
                    "change": item.change,
                }
                for item in results.learners
            ],
        }
    )


def _answer(answer: Answer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {"raw": answer.raw, "scaled": answer.scaled, "at": answer.at.isoformat()}


def _roster_entry(entry: RosterEntry) -> dict[str, Any]:
    learner = entry.learner
    return {
        "learner_id": learner.id,
        "name": learner.name,
        "email": learner.email,
        "employee_number": learner.employee_number,
        "organisation": learner.organisation_id,
        "organisation_name": entry.organisation_name,
        "role": learner.role,
        "status": entry.status,
        "enrolled_at": entry.enrolled_at.isoformat(),
        "registration": entry.registration,
    }


async def post_roster(request: web.Request) -> web.Response:
    """200 with the report when written (or a dry run); 422 with it when rejected rows stopped the import."""
    await _admin(request)
    if request.content_type != "text/csv":
        raise web.HTTPUnsupportedMediaType(reason="the roster must be sent as text/csv")
    rows = parse_roster_csv(decode_text(await request.read(), field="roster"))
    cohort_id = request.match_info["cohort"]
    async with request.app[DATABASE].write_session() as session, session.begin():
        await cohort_record(session, cohort_id)  # 404 for an unknown cohort, before any row is checked
        report = await import_roster(
            session,
            rows,
            cohort_id=cohort_id,
            accept_valid=_flag(request, "accept_valid"),
            dry_run=_flag(request, "dry_run"),
            account_home_page=request.query.get("account_home_page") or None,
            now=request.app[CLOCK](),
        )
        if report.written:
            await record_audit(
                session,
                at=request.app[CLOCK](),
                actor=f"credential:{request[CALLER].key}",
                action="roster.import",
                target=cohort_id,
                detail=report.counts(),
            )
    status = 422 if report.rejected and not report.written and not report.dry_run else 200
    return web.json_response(report.as_json(), status=status)


def _flag(request: web.Request, name: str) -> bool:
    value = request.query.get(name, "false").strip().lower()
    if value not in {"true", "false", "1", "0", ""}:
        raise InvalidRequest(name, f"must be true or false, not {value!r}")
    return value in {"true", "1"}
