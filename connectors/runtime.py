"""The connectors of one worker process: the Kafka sink, cursor store, delivery ledger, both sources and
both sinks, built from the settings and started/stopped with the worker.

A connector whose settings are absent stays off (one log line says which variable turns it on); one whose
credentials are refused stops, with one error line saying what to fix (`SourceStatus.*_error`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from connectors.http.redact import install_log_redaction, register_secret
from connectors.hubspot.sink import HubSpotSink
from connectors.hubspot.source import HubSpotSource
from connectors.jira.sink import JiraSink
from connectors.jira.source import JiraSource
from connectors.state.cursors import CursorStore
from connectors.state.producer import KafkaSink
from connectors.state.webhook_ledger import DeliveryLedger
from connectors.status import SourceStatus
from connectors.webhooks.intake import JIRA_TOPIC, Intake
from streams.errors import FatalError
from streams.topic_admin import ensure_topics
from tandem.settings import Settings

log = logging.getLogger(__name__)


class ConnectorRuntime:
    def __init__(
        self, settings: Settings, status: SourceStatus, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.settings = settings
        self.status = status
        self.clock = clock
        self.sink = KafkaSink(settings.bootstrap_servers, settings.topic_prefix)
        self.cursors = CursorStore(self.sink, replication_factor=settings.replication_factor)
        self.ledger = DeliveryLedger(self.sink, replication_factor=settings.replication_factor)
        self.hubspot: HubSpotSource | None = None
        self.jira: JiraSource | None = None
        self.hubspot_sink: HubSpotSink | None = None
        self.jira_sink: JiraSink | None = None
        for secret in (
            settings.jira_webhook_secret,
            settings.hubspot_webhook_secret,
            settings.hubspot_token,
            settings.jira_api_token,
        ):
            register_secret(secret)
        self.intake = Intake.from_settings(self.sink, self.ledger, settings, clock)

    def build(self) -> None:
        """Construct the configured connectors (no network yet)."""
        settings = self.settings
        if settings.hubspot_token is None:
            log.info("HubSpot connector off: set TANDEM_HUBSPOT_TOKEN to turn it on")
        else:
            self.hubspot = HubSpotSource(settings, self.sink, self.cursors, clock=self.clock)
            self.hubspot_sink = HubSpotSink(self.hubspot.api)
        if not (settings.jira_url and settings.jira_email and settings.jira_api_token):
            log.info(
                "Jira connector off: set TANDEM_JIRA_URL, TANDEM_JIRA_EMAIL and TANDEM_JIRA_API_TOKEN to turn it on"
            )
        else:
            try:
                self.jira = JiraSource(settings, self.sink, self.cursors, clock=self.clock)
            except FatalError as exc:
                self.stop_connector("jira", exc)
            else:
                self.jira_sink = JiraSink(self.jira.api)

    async def start(self) -> None:
        install_log_redaction()
        self.build()
        await self.sink.start()
        prefix = self.settings.topic_prefix
        await ensure_topics(
            self.settings.bootstrap_servers,
            {f"{prefix}{JIRA_TOPIC}": self.settings.partitions},
            self.settings.replication_factor,
        )
        await self.ledger.start()
        if self.hubspot is not None:
            self.status.hubspot_synced = await self.hubspot.load()
        if self.jira is not None:
            self.status.jira_synced = await self.jira.load()

    def stop_connector(self, system: str, exc: BaseException) -> None:
        """Switch a connector off for good (until restart), saying in one line what to fix."""
        message = str(exc)
        log.error("%s connector stopped: %s", system, message)
        if system == "hubspot":
            self.status.hubspot_error = message
            if self.hubspot is not None:
                self.hubspot.api.close()
            self.hubspot, self.hubspot_sink = None, None
        else:
            self.status.jira_error = message
            if self.jira is not None:
                self.jira.api.close()
            self.jira, self.jira_sink = None, None

    async def stop(self) -> None:
        for source in (self.hubspot, self.jira):
            if source is not None:
                await source.close()
        await self.sink.stop()


__all__ = ["ConnectorRuntime"]
