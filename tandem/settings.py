"""Tandem's configuration: one typed settings class fed by environment variables.

Every variable is documented here (the README's configuration table is generated from this class and a
test keeps the two in step). Secrets are `SecretStr`, whose repr and str hide the value. A bad value is
reported at start as one line naming the variable, never later.
"""

from __future__ import annotations

import json
import os
import re
import socket
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

ENV_PREFIX = "TANDEM_"
JIRA_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")
MIN_API_TOKEN = 16
"""Fewest characters of a `TANDEM_API_TOKENS` token (README "Security")."""


class SettingsError(ValueError):
    """A configuration value is missing or invalid; the message names the variable."""


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tandem"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tandem"


def _insecure_allowed(info: ValidationInfo) -> bool:
    return bool(info.data.get("allow_insecure_urls"))


def _shown(value: str, limit: int = 60) -> str:
    """A value quoted for an error line: control characters escaped, long values cut."""
    text = value if len(value) <= limit else value[:limit] + "…"
    return repr(text)


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CsvList = Annotated[list[str], NoDecode]
CsvSecrets = Annotated[list[SecretStr], NoDecode]


class ClockSpec(BaseModel):
    """A scenario clock: `start` at wall time `origin` (epoch seconds), `speed` times as fast, until `end`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: AwareDatetime
    origin: float
    speed: float = Field(default=1.0, gt=0, le=10_000_000)
    end: AwareDatetime | None = None


API_ROLES = ("read", "admin")


class Settings(BaseSettings):
    """All of Tandem's settings. Field docstrings become the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        case_sensitive=False,
        extra="ignore",
        env_ignore_empty=True,
        validate_default=True,
        use_attribute_docstrings=True,
    )

    # --- Kafka -------------------------------------------------------------------------------------
    kafka_bootstrap_servers: str | None = Field(default=None, validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS"))
    """Kafka brokers, `host:port[,host:port]`. Unset: the local broker run by `tandem kafka start`."""

    kafka_host: str = "127.0.0.1"
    """Address the local broker (`tandem kafka start`) listens on; loopback only by default."""

    kafka_port: int = Field(default=9092, ge=1, le=65535)
    """Client port of the local broker."""

    kafka_controller_port: int = Field(default=9093, ge=1, le=65535)
    """KRaft controller port of the local broker."""

    kafka_dir: Path | None = None
    """Config, log dir, pid and log file of the local broker. Default: `$TANDEM_DATA_DIR/kafka`."""

    kafka_heap: str = Field(default="512m", pattern=r"^\d+[kmgKMG]$")
    """JVM heap of the local broker (`-Xmx`)."""

    cache_dir: Path = Field(default_factory=_default_cache_dir)
    """Per-user cache: the Kafka broker jars resolved from Maven Central live here."""

    # --- Worker ------------------------------------------------------------------------------------
    data_dir: Path = Field(default_factory=_default_data_dir)
    """Durable local state: table stores (RocksDB) and the local broker's data."""

    app_id: str = Field(default="tandem", pattern=r"^[A-Za-z0-9._-]+$")
    """Faust application id: the Kafka consumer group and the prefix of table changelog topics."""

    topic_prefix: str = Field(default="tandem.", pattern=r"^[A-Za-z0-9._-]*$")
    """Prefix of every Tandem topic (`tandem.campaigns`, ...); a replay uses its own to stay isolated."""

    partitions: int = Field(default=8, ge=1, le=1024)
    """Partitions of each Tandem topic and table; more workers than partitions sit idle."""

    replication_factor: int = Field(default=1, ge=1, le=16)
    """Replication factor of the topics Tandem creates (1 for a single local broker)."""

    table_store: Literal["rocksdb", "memory"] = "rocksdb"
    """Where tables live between changelog recoveries: `rocksdb` (durable) or `memory` (unit tests)."""

    web_port: int = Field(default=6066, ge=1, le=65535)
    """Port of the worker's web server: webhooks, REST API, dashboard."""

    webhook_body_seconds: float = Field(default=5.0, gt=0, le=300)
    """Deadline for reading a webhook's body, from its headers to its last byte: a slower body is answered 408
    and its connection closed (an unauthenticated client trickling a body must not hold a connection)."""

    webhook_max_concurrent_reads: int = Field(default=32, ge=1, le=10_000)
    """How many webhook bodies one worker waits on at once; over that, 503 with `Retry-After` and the
    connection closed (a body that arrived whole with its headers needs no wait and always gets through)."""

    web_bind: str = "127.0.0.1"
    """Interface the worker's web server binds to (`0.0.0.0` in a container)."""

    web_host: str | None = None
    """Host name other workers reach this one at (with `TANDEM_WEB_PORT`). Default: `TANDEM_WEB_BIND`, or
    this machine's host name when it binds every interface."""

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """Log level of the worker."""

    tick_seconds: float = Field(default=3600.0, gt=0)
    """Interval of the clock ticks that drive time-based rules (1 h: rules judge at most an hour late)."""

    session_timeout: float = Field(default=60.0, ge=6, le=300)
    """Seconds without a heartbeat before Kafka gives a dead worker's partitions to the others."""

    commit_interval: float = Field(default=2.8, gt=0, le=60)
    """Seconds between consumer offset commits (a replay uses a short one to see when the pipeline is quiet)."""

    api_tokens: CsvSecrets = Field(default_factory=list)
    """Who may use the dashboard and the REST API: comma-separated `token:role` pairs, role `read` (see
    everything) or `admin` (also confirm or reject suggestions and re-baseline goals); a token without a
    role reads. Empty: everyone is refused (401)."""

    session_secret: SecretStr | None = None
    """Key that signs dashboard sessions (the same on every worker). Unset: derived from `TANDEM_API_TOKENS`,
    so changing a token logs everyone out."""

    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    """How long a dashboard login lasts."""

    clock: ClockSpec | None = None
    """The worker's clock. Unset: the wall clock. `tandem demo` sets a scenario clock, JSON
    `{"start": ISO time, "origin": epoch seconds, "speed": N, "end": ISO time}`: it reads `start` at wall
    time `origin`, runs `speed` times as fast and stops at `end`."""

    allow_insecure_urls: bool = False
    """Allow `http://` vendor URLs (`TANDEM_HUBSPOT_BASE_URL`, `TANDEM_HUBSPOT_APP_URL`, `TANDEM_JIRA_URL`, the
    Slack webhooks). Only for the local sandboxes, which set it: tokens would otherwise cross the network in
    the clear."""

    outbox_url: str | None = Field(default=None, pattern=r"^https?://")
    """Where the dashboard's Outbox page reads the messages a local mail and Slack catcher received (set by
    `tandem demo`); unset, there is no Outbox page."""

    # --- HubSpot -----------------------------------------------------------------------------------
    hubspot_base_url: str = Field(default="https://api.hubapi.com", pattern=r"^https?://[^\s/]+(:\d+)?/?$")
    """HubSpot API base URL (a sandbox's URL in tests and demos)."""

    hubspot_token: SecretStr | None = None
    """HubSpot private-app access token (scopes: marketing.campaigns.read, crm.objects.owners.read, ...)."""

    hubspot_portal_id: int | None = Field(default=None, ge=1)
    """HubSpot portal (account) id, used to build links to campaigns in HubSpot's UI."""

    hubspot_app_url: str = Field(default="https://app.hubspot.com", pattern=r"^https?://[^\s/]+(:\d+)?/?$")
    """HubSpot UI base URL; a Jira remote link to `<this>/.../campaigns/.../<id>` names that campaign."""

    hubspot_issue_property: str | None = None
    """Campaign property holding Jira issue keys (besides `hs_notes`), if the portal has one."""

    # --- Jira --------------------------------------------------------------------------------------
    jira_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(:\d+)?(/[^\s]*)?$")
    """Jira Cloud site URL, e.g. `https://acme.atlassian.net`."""

    jira_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    """Email of the Jira account Tandem acts as."""

    jira_api_token: SecretStr | None = None
    """API token of that Jira account (basic auth with the email)."""

    jira_projects: CsvList = Field(default_factory=list)
    """Jira project keys Tandem watches, comma-separated (e.g. `WEB,APP`)."""

    jira_webhook_secret: SecretStr | None = None
    """Secret of the Jira admin webhook; deliveries must carry a matching `X-Hub-Signature`."""

    jira_webhook_max_age_seconds: float = Field(default=300.0, ge=1, le=7 * 24 * 3600)
    """Replay window of Jira webhooks: a signed delivery whose payload `timestamp` is older than this (or as far
    in the future) is refused (401) and produces nothing. Jira retries a failed delivery for up to ~30 minutes
    with the original payload, so a retry past the window is refused too; the next poll reads that change."""

    jira_campaign_label_prefix: str = Field(default="campaign-", pattern=r"^[^\s]+$")
    """A Jira label `<prefix><campaign id>` links the issue to that campaign."""

    jira_campaign_field: str | None = Field(default=None, pattern=r"^customfield_\d+$")
    """Jira custom field holding a campaign id or URL, if the site has one."""

    jira_story_points_field: str = Field(default="customfield_10016", pattern=r"^customfield_\d+$")
    """Jira field holding story points (the size of a work item)."""

    # --- Connectors ----------------------------------------------------------------------------------
    mode: Literal["live", "replay"] = "live"
    """`live`: the worker polls HubSpot and Jira on its own timers. `replay`: the replayer drives the sources."""

    hubspot_poll_seconds: float = Field(default=60.0, gt=0, le=86400)
    """Seconds between incremental polls of HubSpot campaigns (leader only)."""

    jira_poll_seconds: float = Field(default=60.0, gt=0, le=86400)
    """Seconds between incremental polls of Jira issues (leader only)."""

    reconcile_seconds: float = Field(default=3600.0, gt=0, le=7 * 86400)
    """Seconds between full id listings that find deleted campaigns and issues (tombstones)."""

    hubspot_lookback_seconds: float = Field(default=120.0, ge=0, le=86400)
    """Incremental HubSpot polls re-read campaigns updated this long before the cursor (repeats are dropped)."""

    jira_lookback_seconds: float = Field(default=300.0, ge=60, le=86400)
    """Incremental Jira polls re-read issues updated this long before the cursor (JQL has minute precision)."""

    hubspot_requests_per_10s: int = Field(default=180, ge=1, le=10000)
    """Tandem's own cap on HubSpot requests per rolling 10 s (HubSpot allows 100 or 190 per app; Tandem
    lowers it to what HubSpot's `X-HubSpot-RateLimit-Max` says)."""

    hubspot_daily_reserve: int = Field(default=500, ge=0, le=1_000_000)
    """Requests of HubSpot's daily limit kept for write-back and alerts: with fewer left, polling waits for
    the daily reset."""

    hubspot_timezone: str | None = None
    """IANA time zone of the HubSpot account (its settings), whose midnight resets the daily limit. Unset:
    UTC; if HubSpot's day is still spent after that midnight, Tandem retries every 15 minutes."""

    jira_requests_per_second: float = Field(default=95.0, gt=0, le=10000)
    """Tandem's own cap on Jira read requests per second, per endpoint and method (Jira's burst buckets are
    per endpoint and method)."""

    jira_write_requests_per_second: float = Field(default=45.0, gt=0, le=10000)
    """Tandem's own cap on Jira write requests (POST, PUT, DELETE) per second, per endpoint."""

    jira_read_after_write_seconds: float = Field(default=300.0, ge=0, le=86400)
    """For this long after Tandem writes to a Jira issue, its searches ask Jira to reconcile that issue
    (`reconcileIssues`): Jira's search index may lag a write by seconds to minutes."""

    connector_threads: int = Field(default=16, ge=1, le=256)
    """Concurrent HTTP calls per API (the vendor clients are synchronous and run in threads)."""

    http_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    """Timeout of every HTTP call to HubSpot and Jira."""

    http_max_attempts: int = Field(default=8, ge=1, le=100)
    """Attempts per HTTP call on 429, 5xx and network errors before the call fails for good."""

    http_max_backoff_seconds: float = Field(default=60.0, gt=0, le=3600)
    """Longest pause between two attempts (also the cap on a server's `Retry-After`)."""

    outage_patience_seconds: float = Field(default=6 * 3600.0, ge=0, le=7 * 86400)
    """How long a write-back or a Jira comment / HubSpot task waits out a vendor that stays down (5xx, timeouts,
    refused connections, 429s) before it is given up and dead-lettered; the records behind it in its partition
    wait with it, in order."""

    hubspot_owners_refresh_seconds: float = Field(default=3600.0, gt=0, le=7 * 86400)
    """How long resolved HubSpot owners (name, email) are cached before the list is read again."""

    hubspot_webhook_secret: SecretStr | None = None
    """Client secret of the HubSpot app whose webhooks Tandem receives (signature v3)."""

    jira_remote_links: Literal["changed", "off"] = "changed"
    """`changed`: read remote links of every issue whose `updated` moved (one request per issue); `off`: never."""

    # --- Notifications ----------------------------------------------------------------------------
    notify_email: bool = True
    """Send alerts, wins and digests by email (SMTP)."""

    smtp_host: str = "127.0.0.1"
    """SMTP server that relays Tandem's email."""

    smtp_port: int = Field(default=25, ge=1, le=65535)
    """SMTP server port (587 with STARTTLS, 465 with TLS)."""

    smtp_security: Literal["none", "starttls", "tls"] = "none"
    """How the SMTP connection is protected: `none`, `starttls` or implicit `tls`."""

    smtp_username: str | None = None
    """SMTP user name, when the server requires authentication."""

    smtp_password: SecretStr | None = None
    """SMTP password."""

    smtp_from: str = Field(default="Tandem <tandem@localhost>", min_length=3)
    """The From address of Tandem's email."""

    smtp_timeout: float = Field(default=10.0, gt=0, le=300)
    """Seconds an SMTP conversation may take before it counts as failed (and is retried)."""

    slack_webhooks: dict[str, SecretStr] = Field(default_factory=dict)
    """Slack incoming webhooks per team, JSON: `{"marketing": "https://hooks.slack.com/...", "WEB": "..."}`;
    a message goes to `marketing` and to the team of each Jira project of the goal's top-level items."""

    notify_jira_comments: bool = False
    """Also comment on the goal's top-level Jira items."""

    notify_hubspot_tasks: bool = False
    """Also create a HubSpot task for the campaign owner when a critical signal opens or escalates."""

    people: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Addresses per person, JSON keyed by Jira account id, HubSpot owner id or email:
    `{"u-7": {"email": "kim@acme.test", "slack": "@kim"}}` (for people the tools know no email of)."""

    quiet_hours: dict[str, str] = Field(default_factory=dict)
    """Quiet hours per person (email or id), JSON: `{"ivan@acme.test": "20:00-08:00 Europe/Berlin"}`;
    messages to them wait until the quiet hours end, never dropped."""

    dashboard_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    """Public URL of Tandem's dashboard, linked from every message."""

    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/\S*)?$")
    """The base URL the world uses to reach this worker's web server (e.g. `https://tandem.acme.com`, behind a
    TLS proxy): HubSpot signs the URL it called, so webhook signatures are checked against it. Unset: the
    URL the worker itself sees."""

    leaders: CsvList = Field(default_factory=list)
    """Emails of the directors (marketing, IT) who get the leadership digest, comma-separated; names and
    other addresses may come from `TANDEM_PEOPLE`. Empty: no leadership digest."""

    leadership_digest: Literal["weekly", "monthly", "off"] = "weekly"
    """How often the leaders hear of the whole portfolio: `weekly` (the owners' digest day and hour),
    `monthly` (the first `TANDEM_DIGEST_DAY` of each month at `TANDEM_DIGEST_HOUR`) or `off`."""

    @field_validator("leaders", mode="before")
    @classmethod
    def _leaders_from_csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("leaders")
    @classmethod
    def _leaders_are_emails(cls, value: list[str]) -> list[str]:
        bad = [entry for entry in value if not re.match(r"^[^@\s,]+@[^@\s,]+$", entry)]
        if bad:
            raise ValueError(f"not email addresses: {', '.join(bad)} (expected e.g. dana@acme.test,omar@acme.test)")
        return [entry.lower() for entry in value]

    @field_validator("leadership_digest", mode="before")
    @classmethod
    def _cadence_any_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    # --- Background sync ---------------------------------------------------------------------------
    sync_jira_remote_links: bool = True
    """Put a remote link to the HubSpot campaign (name, status, launch) on each of a goal's top-level Jira items."""

    sync_jira_comments: bool = True
    """Comment on a goal's top-level Jira items when the campaign's launch date or status changes."""

    sync_jira_launch_field: str | None = Field(default=None, pattern=r"^customfield_\d+$")
    """Jira date field (`customfield_NNNNN`) to hold the campaign's launch date on the top-level items. Unset: none."""

    sync_hubspot_status: bool = True
    """Show the engineering status, progress, forecast and the goal's page on the HubSpot campaign."""

    hubspot_status_property: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    """Campaign property to hold the engineering status line, when the portal has one for it. Unset: a
    block Tandem keeps at the end of the campaign's notes (`hs_notes`)."""

    sync_dry_run: bool = False
    """Log the writes the background sync would make, and make none."""

    # --- Rules -------------------------------------------------------------------------------------
    risk_horizon_days: int = Field(default=45, ge=0, le=3650)
    """`schedule_risk` is judged only when the launch is at most this many days away."""

    velocity_window_days: int = Field(default=14, ge=1, le=365)
    """Trailing window (days) of finished work that sets a goal's throughput and forecast."""

    buffer_days: int = Field(default=2, ge=0, le=365)
    """`schedule_risk` warns when the forecast is later than this many days before launch."""

    schedule_risk_basis: Literal["linear", "p85"] = "linear"
    """What `schedule_risk` judges: `linear` (the straight-line forecast) or `p85` (warning when the 85 % date
    of the forecast with odds leaves less than the buffer before launch, critical when its 50 % date is
    after it)."""

    forecast_runs: int = Field(default=10_000, ge=100, le=1_000_000)
    """Simulated futures per forecast with odds (Monte Carlo over the velocity window's days)."""

    scope_creep_pct: float = Field(default=20.0, gt=0, le=1000)
    """`scope_creep` warns above baseline + this percent of it, and is critical above twice that."""

    stalled_days: int = Field(default=7, ge=1, le=365)
    """`stalled`: days without any status change on a goal's linked work."""

    stalled_horizon_days: int = Field(default=30, ge=0, le=3650)
    """`stalled` is judged only when the launch is at most this many days away."""

    date_conflict_critical_days: int = Field(default=7, ge=0, le=365)
    """`date_conflict` is critical when the launch is at most this many days away."""

    remind_days: int = Field(default=3, ge=1, le=365)
    """A reminder goes out every this many days while a signal stays open."""

    baseline_after_days: int = Field(default=7, ge=0, le=365)
    """A goal's baseline is its total size this many days after its first link appeared."""

    default_size: float = Field(default=1.0, ge=0)
    """Size of a work item without story points."""

    canceled_statuses: CsvList = Field(default=["canceled", "cancelled"])
    """HubSpot campaign statuses meaning canceled, comma-separated (case-insensitive)."""

    live_statuses: CsvList = Field(default=["in_progress", "active"])
    """HubSpot campaign statuses meaning launched, comma-separated (case-insensitive)."""

    completed_statuses: CsvList = Field(default=["completed"])
    """HubSpot campaign statuses meaning finished, comma-separated (case-insensitive)."""

    digest_day: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    """Weekday of the weekly digest."""

    digest_hour: int = Field(default=9, ge=0, le=23)
    """Hour (0-23, in `TANDEM_TIMEZONE`) of the weekly digest."""

    timezone: str = "UTC"
    """IANA time zone of the digest schedule, e.g. `Europe/Berlin`."""

    suggestion_threshold: float = Field(default=0.85, ge=0, le=1)
    """Least name similarity (0-1) for a work item to be suggested as a campaign's link."""

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours_parse(cls, value: dict[str, str]) -> dict[str, str]:
        from tandem.quiet_hours import parse_quiet_hours

        for person, spec in value.items():
            try:
                parse_quiet_hours(spec)
            except ValueError as exc:
                raise ValueError(f"{person}: {exc}") from None
        return value

    @field_validator("jira_projects", mode="before")
    @classmethod
    def _projects_from_csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("jira_projects")
    @classmethod
    def _project_keys_look_like_keys(cls, value: list[str]) -> list[str]:
        bad = [key for key in value if not JIRA_PROJECT_KEY.match(key)]
        if bad:
            raise ValueError(f"not Jira project keys: {', '.join(bad)} (expected e.g. WEB,APP)")
        return value

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _tokens_from_csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("api_tokens")
    @classmethod
    def _token_roles_are_known(cls, value: list[SecretStr]) -> list[SecretStr]:
        for position, entry in enumerate(value, start=1):
            token, role = split_token(entry.get_secret_value())
            if not token:
                raise ValueError(f"entry {position} has no token before its role")
            if role not in API_ROLES:
                raise ValueError(f"entry {position} ends in an unknown role (the roles are read and admin)")
            if len(token) < MIN_API_TOKEN:
                raise ValueError(
                    f"the token of entry {position} has {len(token)} characters, fewer than {MIN_API_TOKEN}: make "
                    "a long random one, e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(24))'`"
                )
        return value

    @field_validator("canceled_statuses", "live_statuses", "completed_statuses", mode="before")
    @classmethod
    def _statuses_from_csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("canceled_statuses", "live_statuses", "completed_statuses")
    @classmethod
    def _statuses_compare_lowercase(cls, value: list[str]) -> list[str]:
        return [status.lower() for status in value]

    @field_validator("digest_day", mode="before")
    @classmethod
    def _day_any_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("timezone", "hubspot_timezone")
    @classmethod
    def _timezone_is_known(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"not an IANA time zone: {value!r} (expected e.g. UTC or Europe/Berlin)") from None
        return value

    @field_validator("hubspot_base_url", "hubspot_app_url", "jira_url")
    @classmethod
    def _vendor_urls_are_https(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not value.lower().startswith("https://") and not _insecure_allowed(info):
            raise ValueError(
                f"{_shown(value)} is not an https:// URL (tokens would cross the network in the clear); "
                "use https://, or set TANDEM_ALLOW_INSECURE_URLS=true for a local sandbox"
            )
        return value

    @field_validator("slack_webhooks")
    @classmethod
    def _slack_webhooks_are_https(cls, value: dict[str, SecretStr], info: ValidationInfo) -> dict[str, SecretStr]:
        for team, url in value.items():
            text = url.get_secret_value()
            if not re.match(r"^https?://[^\s/]+", text):
                raise ValueError(f"the webhook of team {_shown(team)} is not a URL")
            if not text.lower().startswith("https://") and not _insecure_allowed(info):
                raise ValueError(
                    f"the webhook of team {_shown(team)} is not an https:// URL; use Slack's https:// webhook, or "
                    "set TANDEM_ALLOW_INSECURE_URLS=true for a local receiver"
                )
        return value

    @field_validator("people")
    @classmethod
    def _people_have_one_plain_address(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        from connectors.notify.addresses import AddressError, plain_address

        for person, entry in value.items():
            if entry.get("email"):
                try:
                    plain_address(entry["email"])
                except AddressError as exc:
                    raise ValueError(f"{_shown(person)}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _secrets_are_masked(self) -> Settings:
        """Every secret of these settings is masked in logs, errors and dead letters from now on."""
        from connectors.http.redact import register_settings

        register_settings(self)
        return self

    # --- Derived -----------------------------------------------------------------------------------
    @property
    def bootstrap_servers(self) -> str:
        """The brokers to use: `KAFKA_BOOTSTRAP_SERVERS`, else the local broker's address."""
        return self.kafka_bootstrap_servers or f"{self.kafka_host}:{self.kafka_port}"

    @property
    def local_kafka_dir(self) -> Path:
        return self.kafka_dir or self.data_dir / "kafka"

    @property
    def advertised_host(self) -> str:
        """Where other workers reach this one's web server."""
        if self.web_host:
            return self.web_host
        return socket.gethostname() if self.web_bind in ("0.0.0.0", "::") else self.web_bind  # noqa: S104

    @property
    def token_roles(self) -> dict[str, str]:
        """API token → role (`read` or `admin`)."""
        return dict(split_token(entry.get_secret_value()) for entry in self.api_tokens)

    def topic(self, name: str) -> str:
        """The full Kafka name of a Tandem topic, e.g. `campaigns` → `tandem.campaigns`."""
        return f"{self.topic_prefix}{name}"


def split_token(entry: str) -> tuple[str, str]:
    """`token:role` → (token, role); a bare token reads."""
    token, colon, role = entry.strip().rpartition(":")
    if not colon:
        return entry.strip(), "read"
    return token, role.strip().lower()


def env_name(field: str) -> str:
    """The environment variable that sets a settings field."""
    info = Settings.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"{ENV_PREFIX}{field.upper()}"


def _describe(error: Any) -> str:
    field = str(error["loc"][0]) if error.get("loc") else "?"
    try:
        name = env_name(field)
    except KeyError:
        name = field
    return f"{name}: {error['msg']}"


SOURCE_FIELD = re.compile(r'field "(?P<field>[a-z0-9_]+)"')


def _unparsable(exc: SourceError) -> str:
    """The one line for a variable pydantic-settings could not parse (malformed JSON): the variable and where
    its text went wrong, never the text itself (it may hold a secret)."""
    match = SOURCE_FIELD.search(str(exc))
    name = env_name(match["field"]) if match and match["field"] in Settings.model_fields else "a TANDEM_ variable"
    cause = exc.__cause__
    where = f" ({cause.msg} at character {cause.pos + 1})" if isinstance(cause, json.JSONDecodeError) else ""
    return f"invalid configuration: {name}: not valid JSON{where}"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment, raising `SettingsError` naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise SettingsError(f"invalid configuration: {problems}") from None
    except SourceError as exc:
        raise SettingsError(_unparsable(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
