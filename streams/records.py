"""Typed records at every topic boundary (design §2).

Records serialise as plain JSON objects (no Faust metadata), so anything that speaks JSON can produce
them. Dates are ISO `YYYY-MM-DD` strings (Faust has no `date` codec); timestamps are timezone-aware
datetimes. `decode()` turns raw topic bytes into a record and raises `RecordError` saying what is wrong,
which sends the record to the dead-letter topic.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

import faust

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RecordError(ValueError):
    """Bytes on a topic are not a valid record of the expected type (a poison record)."""


class TandemRecord(faust.Record, abstract=True, serializer="json", include_metadata=False, isodates=True):
    """Base of every record on a Tandem topic."""

    required_text: ClassVar[tuple[str, ...]] = ()
    optional_dates: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in self.required_text:
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise RecordError(f"{type(self).__name__}.{name} must be a non-empty string, got {value!r}")
        for name in self.optional_dates:
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and ISO_DATE.match(value)):
                raise RecordError(f"{type(self).__name__}.{name} must be a YYYY-MM-DD date, got {value!r}")
            if value is not None:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise RecordError(f"{type(self).__name__}.{name} is not a calendar date: {value!r}") from None
        for name, field in self._options.fields.items():  # aware datetimes only: the clock is UTC
            value = getattr(self, name)
            if field is datetime and isinstance(value, datetime) and value.tzinfo is None:
                raise RecordError(f"{type(self).__name__}.{name} must carry a timezone, got {value.isoformat()}")


class Person(TandemRecord):
    """Someone in HubSpot (an owner) or Jira (a user): who gets told."""

    id: str
    name: str | None = None
    email: str | None = None

    required_text = ("id",)


class CampaignSnapshot(TandemRecord):
    """A HubSpot marketing campaign as last seen (key: campaign id). `deleted` marks a tombstone."""

    id: str
    name: str
    source_updated_at: datetime
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None
    owner: Person | None = None
    notes: str | None = None
    budget: float | None = None
    currency: str | None = None
    url: str | None = None
    properties: dict[str, str] = {}
    deleted: bool = False

    required_text = ("id",)
    optional_dates = ("start_date", "end_date")


class RemoteLink(TandemRecord):
    """A Jira remote link on a work item."""

    url: str
    title: str | None = None
    global_id: str | None = None

    required_text = ("url",)


class WorkItemSnapshot(TandemRecord):
    """A Jira issue as last seen (key: issue key). `deleted` marks a tombstone."""

    key: str
    project: str
    source_updated_at: datetime
    issue_type: str | None = None
    summary: str = ""
    status: str | None = None
    status_category: str | None = None  # new | indeterminate | done
    status_changed_at: datetime | None = None
    parent: str | None = None
    labels: list[str] = []
    campaign_refs: list[str] = []
    assignee: Person | None = None
    project_lead: Person | None = None
    due_date: str | None = None
    size: float | None = None
    remote_links: list[RemoteLink] = []
    url: str | None = None
    deleted: bool = False

    required_text = ("key", "project")
    optional_dates = ("due_date",)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.status_category not in (None, "new", "indeterminate", "done"):
            raise RecordError(f"WorkItemSnapshot.status_category is not a Jira category: {self.status_category!r}")


class LinkEvent(TandemRecord):
    """A link between a campaign and a work item appeared, vanished or is suggested (key: campaign id)."""

    campaign: str
    work_item: str
    action: str  # added | removed | suggested
    kind: str  # explicit | inherited | suggested
    source: str  # label | remote_link | custom_field | campaign_notes | campaign_property | parent | name
    seen_at: datetime
    confidence: float = 1.0

    required_text = ("campaign", "work_item", "action", "kind", "source")


class Tick(TandemRecord):
    """The clock (key: partition): rules read *now* from here, never from the wall clock."""

    now: datetime
    partition: int


class DeadLetter(TandemRecord):
    """A record that could not be processed, with its error and origin (key: the original key)."""

    topic: str
    partition: int
    offset: int
    agent: str
    error_type: str
    error: str
    failed_at: datetime
    key: str | None = None
    value: str | None = None  # the raw value, decoded as UTF-8 with replacement characters
    value_base64: str | None = None  # the raw value when it is not valid UTF-8

    required_text = ("topic", "agent", "error_type")


R = TypeVar("R", bound=TandemRecord)


def decode(record_type: type[R], raw: Any) -> R:
    """Raw topic bytes (or an already-decoded mapping) → a record, or `RecordError` saying why not."""
    if isinstance(raw, record_type):
        return raw
    if isinstance(raw, bytes | bytearray | str):
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RecordError(f"not JSON: {exc}") from None
    else:
        data = raw
    if not isinstance(data, dict):
        raise RecordError(f"expected a JSON object for {record_type.__name__}, got {type(data).__name__}")
    options = record_type._options
    missing = [name for name in options.fields if name not in options.defaults and name not in data]
    if missing:
        raise RecordError(f"not a valid {record_type.__name__}: missing {', '.join(missing)}")
    try:
        return record_type.from_data(data)
    except RecordError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise RecordError(f"not a valid {record_type.__name__}: {exc}") from None
