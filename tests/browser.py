"""Headless Chromium for the dashboard's browser tests: Debian's `/usr/bin/chromium` driven by Playwright
(never a browser Playwright downloads; `scripts/install-browser` installs Debian's package).

`chromium()` launches it headless; `Pages` opens pages in fresh contexts, each watched by a `Console` that
collects console errors (Content-Security-Policy violations among them) and uncaught exceptions; `shoot`
saves screenshots under `tests/artifacts/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, ViewportSize, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
MISSING = "Chromium is not installed: scripts/install-browser installs Debian's chromium"
"""Why the browser tests skip without it (a test module skips itself with it, once, when CHROMIUM is missing)."""
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
WIDTHS = {"laptop": LAPTOP, "phone": PHONE}
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

REPORT_CSP = """document.addEventListener("securitypolicyviolation", (e) => console.error(
    `Content-Security-Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline code"}`));"""
"""Chromium logs a violation to the console itself; this says it once more, in words `Console` matches
whatever Chromium's wording."""


@dataclass
class Console:
    """What pages logged as errors: console errors (a Content-Security-Policy violation is one) and
    uncaught exceptions, each with the page's URL."""

    problems: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: uncaught {error}"))
        return page

    def _console(self, page: Page, message: ConsoleMessage) -> None:
        text = message.text
        if message.type == "error" or "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.problems.append(f"{page.url}: console {message.type}: {text}")

    def clear(self) -> None:
        self.problems.clear()


@dataclass
class Pages:
    """Opens pages in fresh browser contexts (no cookies, no storage: a fresh profile each), watched by
    `console`; every context is closed at the end of the test."""

    browser: Browser
    base_url: str
    console: Console = field(default_factory=Console)
    contexts: list[BrowserContext] = field(default_factory=list)

    def new(self, width: str = "laptop") -> Page:
        context = self.browser.new_context(base_url=self.base_url, viewport=WIDTHS[width])
        context.set_default_timeout(15_000)
        context.add_init_script(REPORT_CSP)
        self.contexts.append(context)
        return self.console.watch(context.new_page())

    def close(self) -> None:
        for context in self.contexts:
            with suppress(Error):  # the browser went first
                context.close()
        self.contexts.clear()


def shoot(page: Page, name: str, *, both: bool = False) -> list[Path]:
    """Save a full-page screenshot as `tests/artifacts/<name>-<laptop|phone>.png` (by the viewport's width);
    `both`: at laptop width and at phone width (the viewport is put back afterwards)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or LAPTOP
    widths = list(WIDTHS) if both else ["phone" if size["width"] <= PHONE["width"] else "laptop"]
    saved = []
    for width in widths:
        if both:
            page.set_viewport_size(WIDTHS[width])
            page.wait_for_timeout(250)  # charts redraw on resize
        path = ARTIFACTS / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    if both:
        page.set_viewport_size(size)
    return saved


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium with a fresh profile, closed at the end (skips when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
