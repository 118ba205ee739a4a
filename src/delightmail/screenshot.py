"""Screenshots of a rendered email in a real browser: Chromium driven by Playwright.

>>> png = screenshot(email.html, width=375, dark=True)  # doctest: +SKIP

Playwright is an optional dependency (``pip install 'delightmail[screenshot]'``)
and drives the system's Chromium (Debian's ``chromium`` package); it never
downloads a browser of its own.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

# ScreenshotError lives with the other errors; importable from here too, where it was first defined.
from .exceptions import ScreenshotError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright, Route

__all__ = ["CHROMIUM_ARGS", "WIDTHS", "ScreenshotError", "chromium_path", "launch", "screenshot"]

#: Widths an email is looked at: a phone, and the classic 600px desktop column.
WIDTHS = (375, 600)

#: Set this to use another Chromium binary than /usr/bin/chromium.
CHROMIUM_ENV = "DELIGHTMAIL_CHROMIUM"

#: Flags for a quiet, offline, headless Chromium (no sandbox: it often runs as root in CI).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
)


def chromium_path() -> Path | None:
    """The Chromium binary to use: ``$DELIGHTMAIL_CHROMIUM``, else Debian's, else ``None``."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return Path(configured)
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return Path(found)
    return None


def launch(playwright: Playwright) -> Browser:
    """Start the system's headless Chromium through *playwright*.

    :raises ScreenshotError: no Chromium is installed.
    """
    path = chromium_path()
    if path is None or not path.exists():
        raise ScreenshotError(
            "no Chromium found: install Debian's chromium package (make system-deps) "
            f"or set {CHROMIUM_ENV} to a Chromium binary"
        )
    return playwright.chromium.launch(executable_path=str(path), args=list(CHROMIUM_ARGS))


def _offline(route: Route) -> None:
    # The screenshot shows the email as it is before the client loads images: deterministic,
    # and no tracking request leaves the machine.
    route.abort()


def screenshot(
    html: str, *, width: int = 600, dark: bool = False, load_images: bool = False
) -> bytes:
    """A full-page PNG of *html* at *width* CSS pixels.

    :param dark: emulate ``prefers-color-scheme: dark`` as a dark-mode client does.
    :param load_images: fetch remote images; by default nothing is fetched and
        images show their alt text.
    :raises ScreenshotError: Playwright or Chromium is missing or failed.
    """
    try:
        # Playwright is optional and slow to import: loaded for a screenshot, never before.
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise ScreenshotError(
            "screenshots need Playwright: pip install 'delightmail[screenshot]'"
        ) from None
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                page = browser.new_page(
                    viewport={"width": width, "height": 800},
                    color_scheme="dark" if dark else "light",
                )
                if not load_images:
                    page.route("**/*", _offline)
                page.set_content(html, wait_until="load")
                return page.screenshot(full_page=True, type="png")
            finally:
                browser.close()
    except Error as exc:
        raise ScreenshotError(f"Chromium failed: {exc.message.splitlines()[0]}") from exc
