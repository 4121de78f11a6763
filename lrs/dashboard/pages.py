"""Dashboard page handlers: parse, ask the domain for the viewer's scope and figures, render."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from lrs.dashboard.charts import bar_chart, line_chart
from lrs.dashboard.council import council_csv, council_lines
from lrs.dashboard.learner import learner_page
from lrs.dashboard.overview import FunnelStep, cohort_overview
from lrs.dashboard.registers import cohort_registers
from lrs.dashboard.roster import SORT_KEYS, cohort_roster, sorted_lines
from lrs.dashboard.roster_csv import roster_csv
from lrs.dashboard.scope import cohort_scope, organisation_visible, visible_cohorts
from lrs.dashboard.sessions import StaffSession
from lrs.dashboard.users import Viewer
from lrs.dashboard.web import render
from lrs.errors import InvalidRequest, NotFound
from lrs.http.context import CLOCK, DATABASE, HASH_KEY, SETTINGS
from lrs.progress.install import progress_options
from lrs.storage.programme_models import OrganisationRow


def _base(viewer: Viewer, staff: StaffSession, title: str) -> dict[str, object]:
    return {"viewer": viewer, "csrf": staff.csrf, "title": title}


async def home(request: web.Request, viewer: Viewer, staff: StaffSession) -> web.StreamResponse:
    async with request.app[DATABASE].read_session() as session:
        cohorts = await visible_cohorts(session, viewer)
        query = select(OrganisationRow).order_by(OrganisationRow.name)
        councils = [row for row in await session.scalars(query) if organisation_visible(viewer, row.id)]
    return render(
        request,
        "dashboard/home.html",
        {**_base(viewer, staff, "Dashboards"), "cohorts": cohorts, "councils": councils},
    )


async def overview(request: web.Request, viewer: Viewer, staff: StaffSession) -> web.StreamResponse:
    async with request.app[DATABASE].read_session() as session:
        scope = await cohort_scope(session, viewer, request.match_info["cohort"])
        figures = await cohort_overview(session, scope, today=request.app[CLOCK]().date())
    charts = {
        "funnel": bar_chart(
            "Learners who started, completed and satisfied each module, as a share of those enrolled",
            _funnel_bars(figures.funnel),
        ),
        "completion": line_chart(
            "Share of modules and sessions finished over time against the share due (the target)",
            [p.day.isoformat() for p in figures.completion],
            [p.completed_percent for p in figures.completion],
            [p.target_percent for p in figures.completion],
        ),
        "attendance": bar_chart(
            "Attendance rate per session",
            [(r.label, r.percent, f"{r.percent:.0f}%") for r in figures.attendance],
        ),
        "councils": bar_chart(
            "Councils ranked by programme completion",
            [(r.label, r.percent, f"{r.percent:.0f}%") for r in figures.councils],
        ),
    }
    context = {
        **_base(viewer, staff, f"{scope.cohort.title}: overview"),
        "cohort": scope.cohort,
        "figures": figures,
        "charts": charts,
    }
    return render(request, "dashboard/overview.html", context)


def _funnel_bars(funnel: tuple[FunnelStep, ...]) -> list[tuple[str, float, str]]:
    """Three bars per module, each labelled with its step, so no bar is told apart by colour."""
    bars = []
    for step in funnel:
        for label, count in (
            ("started", step.started),
            ("completed", step.completed),
            ("satisfied", step.satisfied),
        ):
            percent = 100.0 * count / step.enrolled if step.enrolled else 0.0
            bars.append((f"{step.title}: {label}", percent, f"{count} of {step.enrolled}"))
    return bars


async def cohort(request: web.Request, viewer: Viewer, staff: StaffSession) -> web.StreamResponse:
    sort, order = _sort_params(request)
    async with request.app[DATABASE].read_session() as session:
        scope = await cohort_scope(session, viewer, request.match_info["cohort"])
        roster = await cohort_roster(
            session,
            scope,
            now=request.app[CLOCK](),
            inactive_days=progress_options(request.app[SETTINGS]).inactive_after_days,
        )
        registers = await cohort_registers(
            session, scope, viewer, hash_key=request.app[HASH_KEY], now=request.app[CLOCK]()
        )
    lines = sorted_lines(roster, sort, order)
    if request.match_info.get("format") == "csv":
        return _csv(roster_csv(roster, lines), f"{scope.cohort.id}-roster.csv")
    context = {
        **_base(viewer, staff, f"{scope.cohort.title}: learners"),
        "cohort": scope.cohort,
        "roster": roster,
        "lines": lines,
        "sort": sort,
        "order": order,
        "sort_keys": SORT_KEYS,
        "registers": registers,
    }
    return render(request, "dashboard/cohort.html", context)


def _sort_params(request: web.Request) -> tuple[str, str]:
    unknown = set(request.query) - {"sort", "order"}
    if unknown:
        raise InvalidRequest(sorted(unknown)[0], "unknown parameter (known: sort, order)")
    return request.query.get("sort", "name"), request.query.get("order", "asc")


async def learner(request: web.Request, viewer: Viewer, staff: StaffSession) -> web.StreamResponse:
    raw = request.match_info["learner"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:  # a 64-bit id on both databases
        raise InvalidRequest("learner", "must be a learner number")
    async with request.app[DATABASE].read_session() as session:
        page = await learner_page(session, viewer, int(raw))
    return render(request, "dashboard/learner.html", {**_base(viewer, staff, page.name), "page": page})


async def council(request: web.Request, viewer: Viewer, staff: StaffSession) -> web.StreamResponse:
    organisation_id = request.match_info["organisation"]
    if not organisation_visible(viewer, organisation_id):
        raise NotFound(f"no council {organisation_id!r}")
    async with request.app[DATABASE].read_session() as session:
        organisation = await session.get(OrganisationRow, organisation_id)
        if organisation is None:
            raise NotFound(f"no council {organisation_id!r}")
        lines = await council_lines(session, organisation_id)
    if request.match_info.get("format") == "csv":
        return _csv(council_csv(lines), f"{organisation_id}-learners.csv")
    context = {**_base(viewer, staff, organisation.name), "organisation": organisation, "lines": lines}
    return render(request, "dashboard/council.html", context)


def _csv(text: str, filename: str) -> web.Response:
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


async def accessibility(request: web.Request, viewer: Viewer, staff: StaffSession) -> web.StreamResponse:
    return render(request, "dashboard/accessibility.html", _base(viewer, staff, "Accessibility statement"))
