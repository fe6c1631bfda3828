"""Notifications into words: a subject, plain text, HTML and Slack blocks, from the templates in
`templates/` (docs/rules.md: every message says what the change means for the launch and for the work, with
links into both tools).

What people typed (campaign names, summaries, labels) reaches every channel as text, never as markup:
- HTML email: Jinja2 autoescaping;
- Slack: `&`, `<` and `>` escaped in every text Tandem sends (blocks and the `text` fallback), as Slack's
  "Formatting text for app surfaces" asks (https://api.slack.com/reference/surfaces/formatting#escaping), so
  `<!channel>` pings no one and `<https://evil.example|Reset your password>` is no link; the message's body
  goes in a `plain_text` section, so `*bold*` and `_italic_` stay as typed too; the only links are the ones
  Tandem makes (`<url|label>`, label escaped) in a context block of their own;
- one-line fields (the subject, Slack's header) have control characters collapsed (`one_line`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from streams.records import GoalSummary, LeadershipReport, Notification, Person, PortfolioCount, PortfolioReason

KIND_WORDS = {"opened": "New", "escalated": "Worse", "reminder": "Still open", "resolved": "Resolved"}


SUBJECT_LIMIT = 250
SLACK_HEADER_LIMIT = 150
SLACK_SECTION_LIMIT = 3000
SLACK_TEXT_LIMIT = 3000
SLACK_LINKS = 10

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Bidirectional marks, embeddings, overrides and isolates: they reorder what a one-line field shows."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    slack_blocks: list[dict[str, Any]]
    slack_text: str = ""
    """The Slack message's `text` (the notification and fallback text): the headline, escaped."""


def one_line(text: str, limit: int | None = None) -> str:
    """`text` as one line: runs of control characters (CR, LF, tabs, NUL, line separators) become one space,
    bidirectional controls go; cut to `limit` characters with an ellipsis."""
    flat = " ".join(_CONTROLS.sub(" ", _BIDI.sub("", text)).split())
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1].rstrip() + "…"
    return flat


def mrkdwn(text: str) -> str:
    """`text` for any Slack text object: `&`, `<`, `>` as the entities Slack decodes for display."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_cut(text: str, limit: int) -> str:
    """`text` escaped, cut so the escaped form has at most `limit` characters (never inside an entity)."""
    escaped = mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    kept: list[str] = []
    size = 0
    for char in text:
        piece = mrkdwn(char)
        if size + len(piece) > limit - 1:
            break
        kept.append(piece)
        size += len(piece)
    return "".join(kept).rstrip() + "…"


_URL = re.compile(r"^https?://[^\s<>|]+$")


def slack_link(url: str | None, label: str) -> str | None:
    """A link Tandem makes, `<url|label>`, with the label escaped; None for what is not a plain http(s) URL
    (a `|`, `<`, `>` or space in it would end or forge the link)."""
    if not url or not _URL.match(url):
        return None
    return f"<{url.replace('&', '&amp;')}|{mrkdwn(one_line(label, 80))}>"


def slack_links(n: Notification, dashboard_url: str | None) -> list[str]:
    """The links of a Slack post: the campaign in HubSpot, each top-level item in Jira, the goal's page."""
    goal = n.goal
    if goal is None:
        return []
    found = [slack_link(goal.campaign_url, f"{goal.name or goal.campaign} in HubSpot")]
    found += [slack_link(item.url, item.key) for item in goal.items if item.top_level or n.kind == "win"]
    found.append(slack_link(goal_link(goal.campaign, None, dashboard_url), "Open the goal in Tandem"))
    return [link for link in found if link][:SLACK_LINKS]


def slack_blocks(n: Notification, subject: str, text: str, dashboard_url: str | None) -> list[dict[str, Any]]:
    """Header, body and Tandem's own links: every text escaped, the body `plain_text` (no formatting)."""
    body = text.split("\n", 2)[-1].strip() or subject
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": mrkdwn_cut(subject, SLACK_HEADER_LIMIT)}},
        {"type": "section", "text": {"type": "plain_text", "text": mrkdwn_cut(body, SLACK_SECTION_LIMIT)}},
    ]
    links = slack_links(n, dashboard_url)
    if links:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(links)}]})
    return blocks


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("connectors.notify", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=1)
def rule_texts() -> dict[str, dict[str, str]]:
    text = resources.files("connectors.notify").joinpath("templates/rules.yaml").read_text()
    loaded: dict[str, dict[str, str]] = yaml.safe_load(text)
    return loaded


def _names(people: list[Person]) -> str:
    return ", ".join(person.name or person.email or person.id for person in people)


def _progress(goal: GoalSummary | None) -> str:
    if goal is None or goal.progress is None:
        return "no linked work"
    p = goal.progress
    size = f"{p.size_done:g} of {p.size_total:g} points" if p.size_total else ""
    return f"{p.items_done} of {p.items_total} items done" + (f" ({size})" if size else "")


def outlook(goal: GoalSummary | None) -> str:
    """When the work is likely done: the forecast with odds in words, else the straight-line date."""
    if goal is None:
        return ""
    if goal.odds is not None:
        return goal.odds.words
    if goal.forecast == "never":
        return "No work finished recently, so no forecast yet."
    return f"Forecast {goal.forecast}." if goal.forecast else ""


def headline(n: Notification) -> str:
    name = (n.goal.name if n.goal and n.goal.name else None) or n.campaign or ""
    if n.kind == "win":
        return f"Win: {name} is ready for launch"
    if n.kind == "digest":
        return f"Your week in Tandem: {len(n.goals)} goal{'s' if len(n.goals) != 1 else ''}"
    if n.kind == "leadership_digest" and n.leadership is not None:
        return leadership_headline(n.leadership)
    rule = rule_texts().get(n.rule or "", {})
    severity = f" ({n.severity})" if n.severity else ""
    return f"{KIND_WORDS.get(n.kind, n.kind.title())}{severity}: {name} — {rule.get('title', n.rule)}"


def _what(n: Notification) -> str:
    rule = rule_texts().get(n.rule or "", {}).get("title", n.rule or "")
    return {
        "opened": f"Tandem noticed that {rule}.",
        "escalated": f"It got worse: {rule} (now {n.severity}).",
        "reminder": f"Still unresolved: {rule}.",
        "resolved": f"Resolved: it is no longer the case that {rule}.",
    }.get(n.kind, rule)


def render(n: Notification, dashboard_url: str | None = None) -> Rendered:
    env = _environment()
    goal = n.goal
    context = {
        "n": n,
        "goal": goal,
        "goals": n.goals,
        "headline": headline(n),
        "what": _what(n),
        "rule": rule_texts().get(n.rule or "", {"launch": "", "work": "", "title": ""}),
        "items": goal.items if goal else [],
        "progress": _progress if n.kind == "digest" else _progress(goal),
        "outlook": outlook if n.kind == "digest" else outlook(goal),
        "contributors": _names(n.contributors),
        "dashboard": dashboard_url,
    }
    if n.kind == "leadership_digest" and n.leadership is not None:
        context.update(leadership_context(n.leadership, dashboard_url))
    template = {"win": "win", "digest": "digest", "leadership_digest": "leadership"}.get(n.kind, "alert")
    text = env.get_template(f"{template}.txt.j2").render(context)
    html = env.get_template(f"{template}.html.j2").render(context)
    subject = one_line(headline(n), SUBJECT_LIMIT)
    return Rendered(
        subject=subject,
        text=text,
        html=html,
        slack_blocks=slack_blocks(n, subject, text, dashboard_url),
        slack_text=mrkdwn_cut(subject, SLACK_TEXT_LIMIT),
    )


# --- The leadership digest ------------------------------------------------------------------------


def _words(status: str) -> str:
    return status.replace("_", " ")


def _period(report: LeadershipReport) -> str:
    start = date.fromisoformat(report.period_start)
    return start.strftime("%B %Y") if report.cadence == "monthly" else f"the week of {start.isoformat()}"


def leadership_headline(report: LeadershipReport) -> str:
    count = {c.status: c.count for c in report.counts}
    goals = f"{report.total} goal{'s' if report.total != 1 else ''}"
    return (
        f"Leadership digest, {_period(report)}: {goals}, "
        f"{count.get('at_risk', 0)} at risk, {count.get('off_track', 0)} off track"
    )


def trend(count: PortfolioCount) -> str:
    """The change against the last leadership digest: `+1`, `-2`, `±0`; empty for the first digest."""
    if count.previous is None:
        return ""
    change = count.count - count.previous
    return f"{change:+d}" if change else "±0"


def why(reason: PortfolioReason) -> str:
    """A reason in plain words: the rule's title, its severity and its detail, or that it was resolved."""
    title = rule_texts().get(reason.rule, {}).get("title") or _words(reason.rule)
    if reason.resolved:
        return f"resolved: {title}"
    severity = f" ({reason.severity})" if reason.severity else ""
    return f"{title}{severity}" + (f": {reason.detail}" if reason.detail else "")


def goal_link(campaign: str, campaign_url: str | None, dashboard_url: str | None) -> str | None:
    """The goal's page on the dashboard when there is one, else the campaign in HubSpot."""
    if dashboard_url:
        return f"{dashboard_url.rstrip('/')}/goals/{quote(campaign, safe='')}"
    return campaign_url


def leadership_context(report: LeadershipReport, dashboard_url: str | None) -> dict[str, Any]:
    first = report.previous_period is None
    since = f"this {'month' if report.cadence == 'monthly' else 'week'}" if first else "since the last digest"
    return {
        "report": report,
        "since": since,
        "words": _words,
        "trend": trend,
        "why": why,
        "names": _names,
        "link": lambda entry: goal_link(entry.campaign, entry.campaign_url, dashboard_url),
    }
