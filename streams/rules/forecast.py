"""Monte Carlo forecast of a goal's completion date, from its recent daily throughput (docs/rules.md, *forecast*).

The practice of ActionableAgile, jira-agile-metrics and Troy Magennis: take the size finished on each of
the last `velocity_window_days` days, simulate many futures by drawing one of those days at random for
every day to come, and read the completion date at percentiles; the 85th is the commitment line. One
refinement, because two weeks of history only estimate a team's pace: each simulated future first draws a
pace of its own from what the window allows (the Bayesian bootstrap of its mean, `_paces`). Without it
every future shares the window's pace as if it were exact, and the P85 date of a month of work covers the
actual completion in about 76 % of cases instead of 85 % (benchmarks/RESULTS.md).

Pure and deterministic: no clock (*today* and *now* are arguments), no I/O, and the random stream is seeded
from the goal and its inputs (`forecast_seed`), so a replay gives the same dates.

Conventions, one place:
- **Days.** Day 1 of a simulation is *tomorrow* (`today` + 1). Today's work so far is already in the
  history (its last sample), so the rest of today is not simulated again: a forecast never says "today"
  while work remains. As in the linear forecast, work done during day d finishes on d: a completion date
  is the day on which the last of the work is done (by its end). For a steady pace and a whole number of
  days of work, the date is the linear forecast's date (the tests check this against `schedule_risk`).
  Today's sample holds only the part of today so far, so early in the day the pace reads a little low.
- **By the launch.** Engineering work is due before launch, and the launch L is 00:00 UTC of the launch
  date, so a run is on time when it completes on a day *before* the launch date (completion < launch;
  finishing on the launch day itself is late). `last_on_time_day(launch)` is launch − 1 day.
- **Percentiles** are the `inverted_cdf` order statistic: P_q is the earliest day by which at least q % of
  the runs have completed (numpy's `method="inverted_cdf"`), computed exactly in integers.
- **Horizon.** A run still short of the remaining size after `horizon_days` counts as never finishing; a
  percentile that falls among those runs is None.
- **Wording** (`plain_words`) rounds the on-time probability to a whole percent, half up, and never says
  0 % or 100 % (a simulation of a two-week sample promises neither): below 1 % it reads "less than a 1 %
  chance", above 99 % "more than a 99 % chance".

Results are reproducible for a given numpy version: numpy does not promise the same `Generator` stream
across feature releases, so an upgrade may move a percentile date by the simulation's noise.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

import numpy as np

from streams.rules.goals import require_aware

CHUNK_DAYS = 64  # days drawn at a time for the runs not yet finished
FIRST_BLOCK_SPAN = 2.0
"""The first block covers this many times the days the window's mean pace needs, so most runs finish in it."""
MIN_BLOCK_DAYS = 4
HORIZON_DAYS = 730  # two years: work not done by then in a simulated future has no date in sight
PERCENTILES = (50, 85, 95)
_TOLERANCE = 1e-9  # relative: 10 × 0.1 points finish a size of 1.0 despite float sums
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Forecast:
    """When a goal's remaining work is likely done: the completion day at three percentiles.

    `p50`/`p85`/`p95`: the earliest day by which 50/85/95 % of the simulated runs completed; None when that
    percentile lies beyond the horizon (or `never`). `on_time`: the share of runs completed before the
    launch date (None without a launch). `never`: work remains and nothing was finished in the window.
    `done`: nothing remains (the dates are then today). `key`: `forecast_key` of the inputs.
    `horizon`: the last day simulated.
    """

    p50: date | None
    p85: date | None
    p95: date | None
    on_time: float | None
    never: bool
    done: bool
    key: str
    horizon: date


def last_on_time_day(launch: date) -> date:
    """The last day on which finishing is still on time: the day before the launch date (L is 00:00 UTC)."""
    return launch - timedelta(days=1)


def daily_throughput(done: Iterable[tuple[datetime, float]], now: datetime, window_days: int) -> tuple[float, ...]:
    """The size finished on each of the last `window_days` whole UTC days ending with `now`'s day, oldest first.

    `done`: (done_at, size) of the done leaves. A leaf counts on the UTC day of its `done_at` when that day
    is in the window and `done_at <= now` (as in the linear forecast, nothing after *now* counts). Days
    with nothing finished count as 0, so the answer always has `window_days` entries. The window is whole
    calendar days (00:00 UTC of the oldest day to *now*; today is the part of it so far), where the linear
    forecast takes the trailing `window_days` × 24 h: the two differ by the part of one day at the old end.
    """
    require_aware(now)
    if window_days <= 0:
        raise ValueError(f"window_days must be positive, got {window_days}")
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=window_days - 1)
    totals = [0.0] * window_days
    for done_at, size in done:
        require_aware(done_at)
        if done_at > now:
            continue
        day = done_at.astimezone(UTC).date()
        if first <= day <= today:
            totals[(day - first).days] += float(size)
    return tuple(totals)


def _canonical(samples: Sequence[float], remaining: float, today: date) -> str:
    numbers = ",".join(repr(float(value) + 0.0) for value in samples)  # + 0.0: -0.0 and 0 read as 0.0
    return f"samples={numbers};remaining={float(remaining) + 0.0!r};today={today.isoformat()}"


def forecast_key(samples: Sequence[float], remaining: float, today: date, launch: date | None) -> str:
    """A short fingerprint (16 hex digits) of everything a forecast depends on besides its settings.

    Contract for the caller: keep the last forecast with its key and recompute only when the key changes.
    It changes exactly when an input does — a leaf becomes done or is reopened (the samples or the
    remaining size move), a leaf's size changes (remaining, or a sample when it was finished in the window),
    a new day enters the window and the oldest leaves it (`today` moves), or the launch date changes. While
    it is unchanged, `monte_carlo` with the same campaign, runs and horizon gives the same answer, so hourly
    ticks cost one hash each. Settings (`runs`, `horizon_days`, the window) are not in the key: they are read
    when the worker starts, so a worker with other settings starts with no forecast kept.
    """
    text = f"{_canonical(samples, remaining, today)};launch={'' if launch is None else launch.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def forecast_seed(campaign: str, samples: Sequence[float], remaining: float, today: date) -> int:
    """The seed of one goal's simulation: a 64-bit hash of the campaign and the inputs.

    Same inputs → same seed → same forecast on every replay; another campaign with the same inputs draws
    another (equally valid) stream. The launch date is not part of it, so moving the launch changes
    `on_time` but not the simulated completion dates.
    """
    text = f"campaign={campaign};{_canonical(samples, remaining, today)}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _paces(values: np.ndarray, runs: int, rng: np.random.Generator) -> np.ndarray:
    """Per run, a factor on the window's pace: the Bayesian bootstrap (Rubin 1981) of its mean.

    Fourteen days estimate the team's pace only roughly. Drawing every run from the same fourteen days treats
    that estimate as exact, and its P85 then covers the actual completion far less often than 85 %
    (benchmarks/forecast_calibration.py). So each run draws Dirichlet(1, …, 1) weights over the window's
    days, and its pace is the weighted mean; its days are the window's days scaled by its pace over the
    median pace of all runs. Centred on the median, half the futures run faster than the window and half
    slower, so P50 stays where the window's own pace puts it (a mean-centred factor would move it later
    for a bursty team, whose weighted means are skewed). Every day keeps some weight, so a sparse window
    slows a run down rather than stopping it.
    """
    weights = rng.standard_exponential((runs, values.size))  # normalised: Dirichlet(1, …, 1)
    paces = (weights @ values) / weights.sum(axis=1)
    return paces / np.median(paces)


def _first_block(target: float, mean_per_day: float) -> int:
    """The width of the first block of simulated days: `FIRST_BLOCK_SPAN` × the days at the mean pace, in
    [`MIN_BLOCK_DAYS`, `CHUNK_DAYS`]."""
    needed = target / mean_per_day if mean_per_day > 0 else float(CHUNK_DAYS)
    return max(MIN_BLOCK_DAYS, min(CHUNK_DAYS, math.ceil(FIRST_BLOCK_SPAN * needed) + 1))


def _completion_days(
    values: np.ndarray,
    remaining: float,
    runs: int,
    horizon: int,
    rng: np.random.Generator,
    *,
    enough: int,
    settled_after: int,
) -> np.ndarray:
    """Per run, the first day (1 = tomorrow) its cumulative throughput reaches `remaining`; horizon + 1 if never.

    Vectorised over runs and days: each step draws a block of days for the runs still going (the window's days
    at the run's own pace, `_paces`), sums it cumulatively onto what they had, and finds each run's first
    crossing with `argmax`. The first block is sized to the work (`_first_block`: twice the days the window's
    mean pace needs), the later ones, for the slow runs left, are `CHUNK_DAYS` wide (64 days drawn for work of
    a few days made such a forecast cost twice what it needs). It stops early once `enough` runs have finished and
    `settled_after` days are simulated: the runs still going finish later than every run that did, so the
    `enough` earliest days are exact and the rest, reported as horizon + 1, are only known to come after
    day `settled_after`.
    """
    never = horizon + 1
    days = np.full(runs, never, dtype=np.int64)
    target = remaining * (1.0 - _TOLERANCE)
    paces = _paces(values, runs, rng)
    if values.max() * paces.max() * horizon < target:  # even the best day every day falls short
        return days
    going = np.arange(runs)
    # A run at pace p reaches the target on the day its unscaled total reaches target / p: one pass fewer.
    thresholds = target / paces
    carried = np.zeros(runs)
    offset = 0
    block = _first_block(target, float(values.mean()))
    while going.size and offset < horizon and not (runs - going.size >= enough and offset >= settled_after):
        width = min(block, horizon - offset)
        block = CHUNK_DAYS
        drawn = values[rng.integers(0, values.size, size=(going.size, width))]
        totals = np.cumsum(drawn, axis=1, out=drawn)
        totals += carried[:, None]
        reached = totals >= thresholds[going, None]
        finished = reached[:, -1]  # totals only grow: a run reached the target within the block iff at its end
        days[going[finished]] = offset + 1 + np.argmax(reached[finished], axis=1)
        carried = totals[~finished, -1]
        going = going[~finished]
        offset += width
    return days


def _rank(size: int, percent: int) -> int:
    """The rank (1-based) of the inverted-CDF percentile among `size` values: ⌈percent·size/100⌉, at least 1."""
    return max(-(-percent * size // 100), 1)


def _order_statistic(sorted_days: np.ndarray, percent: int) -> int:
    """The inverted-CDF percentile: the ⌈percent·n/100⌉-th smallest value, in exact integer arithmetic."""
    return int(sorted_days[_rank(sorted_days.size, percent) - 1])


def monte_carlo(
    samples: Sequence[float],
    remaining: float,
    today: date,
    launch: date | None,
    *,
    runs: int = 10_000,
    seed: int,
    horizon_days: int = HORIZON_DAYS,
) -> Forecast:
    """Simulate `runs` futures and read the completion day at P50, P85 and P95 (see the module's conventions).

    Each run draws a pace of its own (the Bayesian bootstrap of the window's mean, `_paces`), then one of
    `samples` at that pace for each day from tomorrow on, and completes on the day its running total
    reaches `remaining`. `seed` is usually `forecast_seed(...)`.
    Nothing remaining → done (dates today, `on_time` 1.0); work remaining with no throughput in `samples`
    → never (no dates, `on_time` 0.0). `on_time` is None without a launch.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    values = np.asarray(samples, dtype=np.float64).reshape(-1)
    if not (math.isfinite(remaining) and bool(np.isfinite(values).all())) or bool((values < 0).any()):
        raise ValueError("samples must be finite and non-negative, and remaining finite")
    key = forecast_key(samples, remaining, today, launch)
    horizon = min(horizon_days, (date.max - today).days)
    last_day = today + timedelta(days=horizon)
    with_launch = launch is not None
    if remaining <= 0:
        return Forecast(
            today, today, today, 1.0 if with_launch else None, never=False, done=True, key=key, horizon=last_day
        )
    if values.size == 0 or not bool((values > 0).any()):
        return Forecast(
            None, None, None, 0.0 if with_launch else None, never=True, done=False, key=key, horizon=last_day
        )
    rng = np.random.Generator(np.random.PCG64(seed))
    # Completion day k is on time iff k ≤ allowed; the never-finishing runs (horizon + 1) never are.
    allowed = 0 if launch is None else min((last_on_time_day(launch) - today).days, horizon)
    enough = _rank(runs, max(PERCENTILES))
    days = np.sort(_completion_days(values, float(remaining), runs, horizon, rng, enough=enough, settled_after=allowed))
    dates: list[date | None] = []
    for percent in PERCENTILES:
        day = _order_statistic(days, percent)
        dates.append(None if day > horizon else today + timedelta(days=day))
    on_time = None
    if launch is not None:
        on_time = float(np.searchsorted(days, allowed, side="right")) / runs if allowed >= 1 else 0.0
    return Forecast(dates[0], dates[1], dates[2], on_time, never=False, done=False, key=key, horizon=last_day)


def schedule_risk_by_p85(
    forecast: Forecast, launch: date | None, buffer_days: int
) -> Literal["critical", "warning"] | None:
    """`schedule_risk`'s severity on the `p85` basis: critical when P50 is after the launch, warning when
    P85 leaves less than `buffer_days` before it; never (or a percentile beyond the horizon) counts as after.

    docs/rules.md compares instants with L = 00:00 UTC of the launch date (warning F > L − buffer, critical
    F > L); a completion *day* d is done by the end of d, so on dates the edges are: critical when P50 ≥ the
    launch date (P50 > `last_on_time_day`), warning when P85 ≥ launch − `buffer_days`. The rule's other
    conditions (risk horizon, time since the first link, open leaves, before launch) stay the caller's.
    """
    if launch is None or forecast.done:
        return None
    due = last_on_time_day(launch)
    if forecast.never or forecast.p50 is None or forecast.p50 > due:
        return "critical"
    if forecast.p85 is None or forecast.p85 > due - timedelta(days=buffer_days):
        return "warning"
    return None


def spoken_date(day: date) -> str:
    """A date as messages write it, in English whatever the locale: 3 Mar 2027."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def whole_percent(probability: float) -> int:
    """A probability as a whole percent, rounded half up (0.285 → 29, although it is 0.28499… in binary)."""
    return math.floor(probability * 100 + 0.5 + 1e-9)


def _chance(probability: float) -> str:
    percent = whole_percent(probability)
    if percent < 1:
        return "Less than a 1 % chance"
    if percent > 99:
        return "More than a 99 % chance"
    return f"About a {percent} % chance"


def plain_words(forecast: Forecast, launch: date | None, window_days: int) -> str:
    """The forecast as messages say it, e.g. "About a 30 % chance of being ready for the 15 Feb 2027 launch;
    85 % likely by 3 Mar 2027." `window_days` names the history window when there is no forecast yet."""
    if forecast.done:
        return "All the work is done."
    if forecast.never:
        return f"No work finished in the last {window_days} days, so no forecast yet."
    if forecast.p85 is None:
        likely = f"not even 85 % likely by {spoken_date(forecast.horizon)}."
    else:
        likely = f"85 % likely by {spoken_date(forecast.p85)}."
    if launch is None or forecast.on_time is None:
        return likely[0].upper() + likely[1:]
    return f"{_chance(forecast.on_time)} of being ready for the {spoken_date(launch)} launch; {likely}"
