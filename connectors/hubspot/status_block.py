"""The engineering status as Tandem writes it on a HubSpot campaign: a block of a few lines at the end of
the campaign's notes (`hs_notes`, shown on the campaign's page), or one line in a campaign property the
portal has for it (`TANDEM_HUBSPOT_STATUS_PROPERTY`).

The block is Tandem's, between two marker lines, and carries a checksum of its text. Everything else in
the notes is the marketer's and is kept as it is. The source leaves the block out of the campaign's notes
it reports (so it can never be read as a reference to work), and tells when a person edited the block
(the checksum no longer fits): that edit stands until Tandem's status changes again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

BEGIN = "[Tandem · engineering status"
END = "[/Tandem]"
BLOCK = re.compile(r"\n*\[Tandem · engineering status(?: (?P<sum>[0-9a-f]{8}))?\]\n(?P<body>.*?)\n\[/Tandem\]\s*", re.S)


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%-d %b %Y")
    except ValueError:
        return value


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def status_line(values: dict[str, str]) -> str:
    """One line: `Engineering at risk: 3 of 8 items done (12 of 30 points). About a 30 % chance of being
    ready for the 15 Mar 2027 launch; 85 % likely by 20 Mar 2027.` (the forecast with odds, in `odds`), or,
    without odds, `…; forecast 10 Mar 2027.` (the straight line)."""
    status = values.get("status", "").replace("_", " ") or "no status"
    done = f"{values.get('items_done', '0')} of {values.get('items_total', '0')} items done"
    points = f" ({values.get('size_done', '0')} of {values.get('size_total', '0')} points)"
    if values.get("odds"):
        return f"Engineering {status}: {done}{points}. {values['odds']}"
    forecast = values.get("forecast", "")
    if forecast == "never":
        outlook = "no work finished in the last weeks, so no forecast"
    elif forecast:
        outlook = f"forecast {_day(forecast)}"
    else:
        outlook = "no forecast yet"
    return f"Engineering {status}: {done}{points}; {outlook}."


def block_text(values: dict[str, str]) -> str:
    lines = [status_line(values)]
    if values.get("open_signals"):
        lines.append("Open: " + ", ".join(s.replace("_", " ") for s in values["open_signals"].split(",")) + ".")
    if values.get("dashboard"):
        lines.append(f"Details: {values['dashboard']}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Notes:
    """A campaign's notes, split into the marketer's text and Tandem's block."""

    own: str
    block: str | None
    edited: bool  # a person changed the block since Tandem wrote it


def split(notes: str | None) -> Notes:
    text = notes or ""
    match = BLOCK.search(text)
    if match is None:
        return Notes(own=text, block=None, edited=False)
    own = (text[: match.start()] + text[match.end() :]).rstrip()
    body = match.group("body")
    return Notes(own=own, block=body, edited=match.group("sum") != checksum(body))


def with_block(notes: str | None, values: dict[str, str]) -> str:
    """The notes with Tandem's block (re)written at their end, the marketer's text untouched."""
    own = split(notes).own
    body = block_text(values)
    block = f"{BEGIN} {checksum(body)}]\n{body}\n{END}"
    return f"{own}\n\n{block}" if own else block
