"""Switchable faults for the vendor sandboxes: added latency, 5xx errors, 429 storms, outage windows, refusals
and paging cursors that repeat.

Every decision comes from one seeded RNG per system, and every request draws the same number of values
from it whatever happens, so the same seed and the same request sequence give the same faults.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from aiohttp import web

from sandbox.clock import SandboxClock

ErrorBody = Callable[[int], tuple[Any, dict[str, str]]]
"""Builds a vendor-shaped error for a status: (JSON-able body or text, extra headers)."""

_SERVER_ERRORS = (500, 502, 503)
_DRAWS_PER_REQUEST = 4


@dataclass
class FaultConfig:
    """What to inject for one system; everything is off by default."""

    error_rate: float = 0.0
    """Share of requests answered with a 5xx (500/502/503, chosen by the seeded RNG)."""
    latency_ms: int = 0
    """Added to every request."""
    latency_jitter_ms: int = 0
    """Up to this much more, uniformly drawn."""
    storm_rate: float = 0.0
    """Share of requests answered 429 (a "429 storm")."""
    storm_retry_after: bool = True
    """Whether storm 429s carry `Retry-After`."""
    outages: list[tuple[datetime, datetime]] = field(default_factory=list)
    """Sandbox-clock windows [start, end) during which every request is answered 503."""
    write_reply_delay_ms: int = 0
    """Held after a write was carried out, before its answer goes back: a client that gives up or dies
    meanwhile has written without knowing it (a lost reply)."""
    refuse: dict[str, int] = field(default_factory=dict)
    """`METHOD path-regex` → status: matching requests are refused with the vendor's error for that status
    (403: a permission or scope missing; 404: gone; 400: a field the screen lacks)."""
    repeat_cursor: list[str] = field(default_factory=list)
    """Path regexes of listings whose paging cursor repeats (a vendor fault, or a caching proxy): a page asked
    for with a cursor hands that same cursor back as the next one, so a client that follows it never ends."""
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("error_rate", "storm_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.latency_ms < 0 or self.latency_jitter_ms < 0 or self.write_reply_delay_ms < 0:
            raise ValueError("latency_ms, latency_jitter_ms and write_reply_delay_ms must be >= 0")
        for start, end in self.outages:
            if start.tzinfo is None or end.tzinfo is None:
                raise ValueError("outage windows must be timezone-aware")
            if end <= start:
                raise ValueError(f"outage window ends before it starts: {start.isoformat()} .. {end.isoformat()}")

    @classmethod
    def from_json(cls, data: Any) -> FaultConfig:
        """Parse the control plane's JSON form (`outages` as `[[start, end], ...]` in ISO-8601)."""
        if not isinstance(data, dict):
            raise ValueError("a fault config is a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        values: dict[str, Any] = {}
        for name in ("error_rate", "storm_rate"):
            if name in data:
                values[name] = _number(name, data[name])
        for name in ("latency_ms", "latency_jitter_ms", "write_reply_delay_ms", "seed"):
            if name in data:
                values[name] = _integer(name, data[name])
        if "storm_retry_after" in data:
            if not isinstance(data["storm_retry_after"], bool):
                raise ValueError("storm_retry_after must be true or false")
            values["storm_retry_after"] = data["storm_retry_after"]
        if "outages" in data:
            values["outages"] = _outages(data["outages"])
        if "refuse" in data:
            values["refuse"] = _refusals(data["refuse"])
        if "repeat_cursor" in data:
            values["repeat_cursor"] = _patterns("repeat_cursor", data["repeat_cursor"])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return {
            "error_rate": self.error_rate,
            "latency_ms": self.latency_ms,
            "latency_jitter_ms": self.latency_jitter_ms,
            "storm_rate": self.storm_rate,
            "storm_retry_after": self.storm_retry_after,
            "outages": [[start.isoformat(), end.isoformat()] for start, end in self.outages],
            "write_reply_delay_ms": self.write_reply_delay_ms,
            "refuse": dict(self.refuse),
            "repeat_cursor": list(self.repeat_cursor),
            "seed": self.seed,
        }


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number")
    return float(value)


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


def _outages(value: Any) -> list[tuple[datetime, datetime]]:
    if not isinstance(value, list):
        raise ValueError("outages must be a list of [start, end] pairs")
    windows = []
    for pair in value:
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            raise ValueError("each outage is a [start, end] pair of ISO-8601 times")
        try:
            start, end = (datetime.fromisoformat(p.replace("Z", "+00:00")) for p in pair)
        except ValueError as exc:
            raise ValueError(f"bad outage time: {exc}") from None
        windows.append((start, end))
    return windows


def _refusals(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ValueError('refuse maps "METHOD path-regex" to a status, e.g. {"POST /remotelink$": 403}')
    found = {}
    for rule, status in value.items():
        method, _, pattern = str(rule).partition(" ")
        if not pattern or method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            raise ValueError(f"refuse rule {rule!r} is not 'METHOD path-regex'")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"refuse rule {rule!r}: {exc}") from None
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status < 500:
            raise ValueError(f"refuse rule {rule!r}: the status must be a 4xx")
        found[f"{method.upper()} {pattern}"] = status
    return found


def _patterns(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
        raise ValueError(f'{name} is a list of path regexes, e.g. ["^/marketing/v3/campaigns$"]')
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{name} {pattern!r}: {exc}") from None
    return list(value)


class _SystemFaults:
    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)  # noqa: S311 - reproducible fault injection, not security


class Faults:
    """Per-system fault injection, consulted first by every vendor request (see `vendor_middlewares`)."""

    def __init__(self, clock: SandboxClock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._systems: dict[str, _SystemFaults] = {}
        self._error_bodies: dict[str, ErrorBody] = {}
        self.injected: Counter[tuple[str, int]] = Counter()
        """How many faults were answered, by (system, status)."""
        self.delayed: Counter[str] = Counter()
        """How many requests were held for the configured latency, by system."""

    def register_error_body(self, system: str, build: ErrorBody) -> None:
        """How `system` words its errors; without one, a plain JSON message is sent."""
        self._error_bodies[system] = build

    def configure(self, system: str, config: FaultConfig) -> None:
        """Switch `system`'s faults to `config`, restarting its RNG from the config's seed."""
        with self._lock:
            self._systems[system] = _SystemFaults(config)

    def config(self, system: str) -> FaultConfig | None:
        with self._lock:
            state = self._systems.get(system)
            return None if state is None else state.config

    def clear(self, system: str | None = None) -> None:
        """Switch faults off for one system, or all."""
        with self._lock:
            if system is None:
                self._systems.clear()
            else:
                self._systems.pop(system, None)

    def _draw(self, system: str) -> tuple[FaultConfig, list[float]] | None:
        with self._lock:
            state = self._systems.get(system)
            if state is None:
                return None
            return state.config, [state.rng.random() for _ in range(_DRAWS_PER_REQUEST)]

    async def intercept(self, system: str, request: web.Request) -> web.StreamResponse | None:
        """Sleep the configured latency, then answer with a fault, or None to let the request through."""
        drawn = self._draw(system)
        if drawn is None:
            return None
        config, (jitter, error_roll, status_roll, storm_roll) = drawn
        delay_ms = config.latency_ms + jitter * config.latency_jitter_ms
        if delay_ms > 0:
            with self._lock:
                self.delayed[system] += 1
            await asyncio.sleep(delay_ms / 1000)
        for rule, status in config.refuse.items():
            method, _, pattern = rule.partition(" ")
            if request.method == method and re.search(pattern, request.path):
                return self._respond(system, status, config)
        now = self._clock.now()
        if any(start <= now < end for start, end in config.outages):
            return self._respond(system, 503, config)
        if error_roll < config.error_rate:
            return self._respond(system, _SERVER_ERRORS[int(status_roll * len(_SERVER_ERRORS))], config)
        if storm_roll < config.storm_rate:
            return self._respond(system, 429, config)
        return None

    def repeats_cursor(self, system: str, path: str) -> bool:
        """Whether `system`'s listing at `path` hands back the cursor it was asked with (`repeat_cursor`)."""
        config = self.config(system)
        if config is None or not any(re.search(pattern, path) for pattern in config.repeat_cursor):
            return False
        with self._lock:
            self.injected[(system, 200)] += 1
        return True

    async def hold_write_reply(self, system: str) -> None:
        """Sleep the configured `write_reply_delay_ms` after a write was carried out."""
        config = self.config(system)
        if config is not None and config.write_reply_delay_ms > 0:
            await asyncio.sleep(config.write_reply_delay_ms / 1000)

    def _respond(self, system: str, status: int, config: FaultConfig) -> web.Response:
        self.injected[(system, status)] += 1
        response = self.vendor_error(system, status)
        if status == 429:
            if config.storm_retry_after:
                if "Retry-After" not in response.headers:
                    response.headers["Retry-After"] = "1"
            else:
                response.headers.popall("Retry-After", None)
        return response

    def vendor_error(self, system: str, status: int) -> web.Response:
        """`system`'s error response for `status`, worded by its registered error body."""
        build = self._error_bodies.get(system)
        body, headers = build(status) if build else ({"message": f"sandbox error {status}"}, {})
        if isinstance(body, str):
            return web.Response(status=status, text=body, headers=headers)
        return web.Response(
            status=status, body=json.dumps(body).encode(), content_type="application/json", headers=headers
        )


__all__ = ["ErrorBody", "FaultConfig", "Faults"]
