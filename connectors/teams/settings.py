"""[connectors.teams]: Graph app settings plus how nudges are delivered (activity feed or bot)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.graph.config_values import config_error, optional_float, optional_str, require_str
from connectors.graph.settings import ClientCredential, GraphSettings

SECTION = "connectors.teams"
BOT_SCOPE = "https://api.botframework.com/.default"
DELIVERY_MODES = ("activity_feed", "bot")


@dataclass(frozen=True)
class BotSettings:
    app_id: str  # the bot's Microsoft App ID
    credential: ClientCredential
    service_url: str  # e.g. https://smba.trafficmanager.net/uk/
    app_tenant: str = "botframework.com"  # the tenant id for a single-tenant bot
    authority_host: str = "https://login.microsoftonline.com"
    scope: str = BOT_SCOPE

    @property
    def authority(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.app_tenant}"

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], authority_host: str, environ: Mapping[str, str] | None
    ) -> BotSettings:
        return cls(
            app_id=require_str(data, "bot_app_id", SECTION),
            credential=ClientCredential.from_mapping(data, SECTION, prefix="bot_", environ=environ),
            service_url=require_str(data, "bot_service_url", SECTION),
            app_tenant=optional_str(data, "bot_app_tenant", SECTION) or "botframework.com",
            authority_host=optional_str(data, "bot_authority_host", SECTION) or authority_host,
            scope=optional_str(data, "bot_scope", SECTION) or BOT_SCOPE,
        )


@dataclass(frozen=True)
class TeamsSettings:
    graph: GraphSettings
    delivery: str = "activity_feed"
    activity_type: str = "cohortNudge"  # declared in the Teams app manifest's activities.activityTypes
    teams_app_id: str | None = None  # the Teams app (manifest id) installed for learners
    default_web_url: str | None = None  # topic webUrl when a message has no deep link
    bot: BotSettings | None = None
    installed_apps_cache_seconds: float = 3600.0  # how long "has the Teams app" is remembered

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> TeamsSettings:
        graph = GraphSettings.from_mapping(data, SECTION, environ)
        delivery = optional_str(data, "delivery", SECTION) or "activity_feed"
        if delivery not in DELIVERY_MODES:
            raise config_error(
                SECTION, "delivery", f"must be one of {', '.join(DELIVERY_MODES)}, got {delivery!r}"
            )
        bot = BotSettings.from_mapping(data, graph.authority_host, environ) if delivery == "bot" else None
        default_web_url = optional_str(data, "default_web_url", SECTION)
        if default_web_url is not None and not default_web_url.startswith("https://"):
            raise config_error(SECTION, "default_web_url", "must be an https:// URL (a Teams deep link)")
        return cls(
            graph=graph,
            delivery=delivery,
            activity_type=optional_str(data, "activity_type", SECTION) or "cohortNudge",
            teams_app_id=optional_str(data, "teams_app_id", SECTION),
            default_web_url=default_web_url,
            bot=bot,
            installed_apps_cache_seconds=optional_float(
                data, "installed_apps_cache_seconds", SECTION, 3600.0, minimum=0.0
            ),
        )
