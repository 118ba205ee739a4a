"""Screenshots of a rendered email in a real browser: Chromium driven by Playwright.

>>> png = screenshot(email.html, width=375, dark=True)  # doctest: +SKIP
>>> with Shooter() as shooter:  # one Chromium for every shot  # doctest: +SKIP
...     shots = list(shooter.shots(email.html, widths=(375, 600), schemes=SCHEMES, scales=(1, 2)))

Playwright is an optional dependency (``pip install 'delightmail[screenshot]'``)
and drives the system's Chromium (Debian's ``chromium`` package); it never
downloads a browser of its own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# ScreenshotError lives with the other errors; importable from here too, where it was first defined.
from .exceptions import ScreenshotError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, Route

__all__ = [
    "CHROMIUM_ARGS",
    "SCALES",
    "SCHEMES",
    "WIDTHS",
    "ScreenshotError",
    "Shooter",
    "Shot",
    "chromium_path",
    "launch",
    "screenshot",
]

#: Widths an email is looked at: a phone, and the classic 600px desktop column.
WIDTHS = (375, 600)
#: The narrowest and widest viewport a screenshot takes, in CSS pixels.
MIN_WIDTH, MAX_WIDTH = 200, 1920
#: The colour schemes a client may ask an email for.
SCHEMES = ("light", "dark")
#: Device pixel ratios: a plain screen, a retina phone's, a few phones' 3.
SCALES = (1, 2, 3)
#: The viewport's height; a full-page shot is as tall as the email.
VIEWPORT_HEIGHT = 800

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


def _playwright() -> tuple[Any, type[Exception]]:
    """Playwright's ``sync_playwright`` and its ``Error``, or why they cannot be had."""
    try:
        # Playwright is optional and slow to import: loaded for a screenshot, never before.
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise ScreenshotError(
            "screenshots need Playwright: pip install 'delightmail[screenshot]'"
        ) from None
    return sync_playwright, Error


def _failed(exc: Exception) -> ScreenshotError:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return ScreenshotError(f"Chromium failed: {message.splitlines()[0]}")


@dataclass(frozen=True)
class Shot:
    """One screenshot: a full-page PNG of an email at a width, in a scheme, at a scale."""

    width: int
    scheme: str
    scale: int
    png: bytes

    def name(self, label: str) -> str:
        """Its file name for the email *label*: ``<label>-<width>-<scheme>@<scale>x.png``."""
        return f"{label}-{self.width}-{self.scheme}@{self.scale}x.png"


def _check(widths: Sequence[int], schemes: Sequence[str], scales: Sequence[int]) -> None:
    if not widths or not schemes or not scales:
        raise ValueError("at least one width, scheme and scale")
    for width in widths:
        if not MIN_WIDTH <= width <= MAX_WIDTH:
            raise ValueError(f"width {width}: not between {MIN_WIDTH} and {MAX_WIDTH}")
    for scheme in schemes:
        if scheme not in SCHEMES:
            raise ValueError(f"scheme {scheme!r}: not one of {', '.join(SCHEMES)}")
    for scale in scales:
        if scale not in SCALES:
            raise ValueError(f"scale {scale}: not one of {', '.join(map(str, SCALES))}")


class Shooter:
    """One headless Chromium for many screenshots: started on entry, closed on exit.

    A browser context per scale (``device_scale_factor`` is a context's), one page
    in each, reused for every email: an email is loaded once per scale, then drawn
    at each width in each scheme. Starting Chromium costs seconds; a shot from a
    warm page costs a fraction of one.

    >>> with Shooter() as shooter:  # doctest: +SKIP
    ...     for shot in shooter.shots(email.html, widths=(375, 600), scales=(1, 2)):
    ...         Path(shot.name("order-1001")).write_bytes(shot.png)

    :param load_images: fetch remote images; by default nothing is fetched and
        images show their alt text.
    :param browser: a Chromium already running (see :func:`launch`) to shoot in,
        in this thread: the Shooter then opens and closes its contexts only.
    :raises ScreenshotError: on entry, Playwright or Chromium is missing or does
        not start; later, Chromium failed.
    """

    def __init__(self, *, load_images: bool = False, browser: Browser | None = None) -> None:
        self.load_images = load_images
        self._given = browser
        self._stack: ExitStack | None = None
        self._browser: Browser | None = None
        self._pages: dict[int, Page] = {}
        self._error: type[Exception] = Exception

    def __enter__(self) -> Shooter:
        sync_playwright, self._error = _playwright()
        stack = ExitStack()
        if self._given is not None:
            self._browser, self._stack = self._given, stack
            return self
        try:
            playwright = stack.enter_context(sync_playwright())
            self._browser = launch(playwright)
            stack.callback(self._browser.close)
        except self._error as exc:
            stack.close()
            raise _failed(exc) from exc
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        return self

    def __exit__(self, *exc_info: object) -> None:
        stack, self._stack, self._browser, self._pages = self._stack, None, None, {}
        if stack is not None:
            with suppress(self._error):  # a browser that crashed has nothing left to close
                stack.close()

    @property
    def alive(self) -> bool:
        """Whether its Chromium is still running: after a :class:`ScreenshotError`, a
        page failed (the next email may do) or the browser is gone (none will)."""
        return self._browser is not None and self._browser.is_connected()

    def _page(self, scale: int) -> Page:
        page = self._pages.get(scale)
        if page is None:
            if self._browser is None or self._stack is None:
                raise RuntimeError("a Shooter takes screenshots inside its with block")
            # No email client runs an email's scripts: nor does its screenshot (a template
            # a merchant wrote, or an order's text, cannot make the page do anything).
            context = self._browser.new_context(
                viewport={"width": WIDTHS[-1], "height": VIEWPORT_HEIGHT},
                device_scale_factor=scale,
                java_script_enabled=False,
            )
            self._stack.callback(context.close)
            if not self.load_images:
                context.route("**/*", _offline)
            page = self._pages[scale] = context.new_page()
        return page

    def shots(
        self,
        html: str,
        *,
        widths: Sequence[int] = (600,),
        schemes: Sequence[str] = ("light",),
        scales: Sequence[int] = (1,),
    ) -> Iterator[Shot]:
        """Every screenshot of *html*: each scale × width × scheme, in that order.

        :param widths: viewport widths in CSS pixels (a PNG is ``width × scale`` pixels wide).
        :param schemes: ``"light"`` and/or ``"dark"``: ``prefers-color-scheme`` as a
            client in that mode sets it.
        :param scales: device pixel ratios: 1, or 2 for a phone's retina screen.
        :raises ValueError: a width, scheme or scale out of range.
        :raises ScreenshotError: Chromium failed.
        """
        _check(widths, schemes, scales)
        for scale in scales:
            try:
                page = self._page(scale)
                page.set_content(html, wait_until="load")
            except self._error as exc:
                raise _failed(exc) from exc
            for width in widths:
                for scheme in schemes:
                    try:
                        page.set_viewport_size({"width": width, "height": VIEWPORT_HEIGHT})
                        page.emulate_media(color_scheme="dark" if scheme == "dark" else "light")
                        png = page.screenshot(full_page=True, type="png")
                    except self._error as exc:
                        raise _failed(exc) from exc
                    yield Shot(width, scheme, scale, png)

    def shoot(self, html: str, *, width: int = 600, scheme: str = "light", scale: int = 1) -> bytes:
        """One full-page PNG of *html* (see :meth:`shots`)."""
        (shot,) = self.shots(html, widths=(width,), schemes=(scheme,), scales=(scale,))
        return shot.png


def screenshot(
    html: str,
    *,
    width: int = 600,
    dark: bool = False,
    load_images: bool = False,
    scale: int = 1,
) -> bytes:
    """A full-page PNG of *html* at *width* CSS pixels, in a browser of its own.

    For more than one, a :class:`Shooter` starts Chromium once for all of them.

    :param dark: emulate ``prefers-color-scheme: dark`` as a dark-mode client does.
    :param load_images: fetch remote images; by default nothing is fetched and
        images show their alt text.
    :param scale: the device pixel ratio: 2 draws every CSS pixel as 2 × 2.
    :raises ScreenshotError: Playwright or Chromium is missing or failed.
    """
    with Shooter(load_images=load_images) as shooter:
        return shooter.shoot(html, width=width, scheme="dark" if dark else "light", scale=scale)
