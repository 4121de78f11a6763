"""Routes of the staff side: /sign-in, /sign-out, /static/ assets and the /dashboard/ pages."""

from __future__ import annotations

from aiohttp import web

from lrs.dashboard import outbox_pages, pages
from lrs.dashboard.entra_web import install_entra
from lrs.dashboard.web import (
    get_sign_in,
    install_templates,
    post_sign_in,
    post_sign_out,
    see_other,
    staff_page,
)


async def _to_dashboard(request: web.Request) -> web.StreamResponse:
    return see_other("/dashboard/")


def add_dashboard_routes(app: web.Application) -> None:
    install_templates(app)
    install_entra(app)
    app.router.add_get("/sign-in", get_sign_in)
    app.router.add_post("/sign-in", post_sign_in)
    app.router.add_post("/sign-out", post_sign_out)
    app.router.add_get("/dashboard", _to_dashboard)
    app.router.add_get("/dashboard/", staff_page(pages.home))
    app.router.add_get("/dashboard/accessibility", staff_page(pages.accessibility))
    app.router.add_get("/dashboard/cohorts/{cohort}", staff_page(pages.cohort))
    app.router.add_get("/dashboard/cohorts/{cohort}/overview", staff_page(pages.overview))
    app.router.add_get("/dashboard/cohorts/{cohort}/roster.{format:csv}", staff_page(pages.cohort))
    app.router.add_get("/dashboard/learners/{learner}", staff_page(pages.learner))
    app.router.add_get("/dashboard/councils/{organisation}", staff_page(pages.council))
    app.router.add_get("/dashboard/councils/{organisation}/learners.{format:csv}", staff_page(pages.council))
    app.router.add_get("/admin/outbox", staff_page(outbox_pages.outbox_list))
    app.router.add_get("/admin/outbox/{stem}", staff_page(outbox_pages.outbox_one))
    app.router.add_get("/admin/outbox/{stem}/message.html", staff_page(outbox_pages.outbox_html))
    app.router.add_get("/admin/outbox/{stem}/message.eml", staff_page(outbox_pages.outbox_download))
