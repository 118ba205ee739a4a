"""The ``delightmail`` command line: render, preview, screenshot, check and send order emails.

Every mistake a user can make (a missing file, invalid JSON, an invalid order,
a broken template, an SMTP server that says no) ends in one clear message on
stderr and a non-zero exit, never a traceback; ``delightmail --debug ...``
shows the traceback too.

Exit codes: 0 done; 1 the work failed (a template error, a failed check, a
server or browser that refused); 2 bad input (usage, a file, JSON, an order).
An error's code is its class's ``exit_code`` (see :mod:`delightmail.exceptions`).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shlex
import time
import webbrowser
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any, NoReturn

import click
from babel import Locale, UnknownLocaleError
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from ._files import (
    OrderSource,
    atomic_write,
    file_labels_are_unique,
    iter_order_sources,
    load_json,
    parse_json,
    read_text,
    sync_all,
    writable_folder,
)
from .adapters import PLATFORMS, to_order
from .batch import Outcome, default_jobs, render_batch
from .checks import check_email
from .checks_external import ExternalCheckers, tools_missing
from .exceptions import (
    EXIT_FAILED,
    DelightmailError,
    InputError,
    OrderStatusError,
    OrderValidationError,
    ScreenshotError,
)
from .headers import parse_address
from .i18n import available_locales, read_catalogs
from .models import TONES, Merchant, Order, validate_merchant
from .rendered import RenderedEmail
from .rendering import Mailer, available_templates
from .scaffold import init_folder, project_defaults
from .screenshot import CHROMIUM_ENV, MAX_WIDTH, MIN_WIDTH, SCALES, SCHEMES, Shooter

__all__ = ["cli", "main"]

FORMATS = ("html", "text", "eml")
MERCHANT_ENV = "DELIGHTMAIL_MERCHANT"
PASSWORD_ENV = "DELIGHTMAIL_SMTP_PASSWORD"


def _debug() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and isinstance(root.obj, dict) and root.obj.get("debug"))


def _fail(error: DelightmailError, debug: bool | None = None) -> NoReturn:
    if _debug() if debug is None else debug:
        raise error
    click.echo(f"error: {error}", err=True)
    raise SystemExit(error.exit_code)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn a :class:`DelightmailError` into one message and an exit code."""
    try:
        yield
    except DelightmailError as exc:
        _fail(exc)


# -- orders ----------------------------------------------------------------------


def _one_item(path: Path) -> OrderSource:
    items = list(iter_order_sources((path,)))
    if len(items) != 1:
        raise InputError(f"{path}: holds {len(items)} orders; this command takes one")
    return items[0]


# -- the options every rendering command shares ------------------------------------


@dataclass(frozen=True)
class Setup:
    """What to render with: merchant, template, tone, locale, and where orders come from."""

    merchant_path: Path | None
    template: str
    template_dirs: tuple[Path, ...]
    tone: str | None
    locale: str
    platform: str | None
    pack_dirs: tuple[Path, ...] = ()
    sandbox: bool = False
    locale_dirs: tuple[Path, ...] = ()
    any_status: bool = False

    def merchant(self) -> Merchant:
        if self.merchant_path is None:
            raise InputError(
                "no merchant: pass --merchant FILE (a merchant JSON file, "
                f"see examples/merchant.json) or set {MERCHANT_ENV}"
            )
        return _load_merchant(self.merchant_path)

    def mailer(self) -> Mailer:
        return Mailer(
            merchant=self.merchant(),
            template=self.template,
            locale=self.locale,
            tone=self.tone,
            template_dirs=self.template_dirs,
            pack_dirs=self.pack_dirs,
            locale_dirs=self.locale_dirs,
            sandbox=self.sandbox,
        )

    def order(self, item: OrderSource) -> Order | Any:
        """The order in *item*: its JSON, or an :class:`Order` mapped from a platform's payload."""
        data = item.load()
        if self.platform is None:
            return data
        try:
            order = to_order(data, self.platform)
        except OrderValidationError as exc:
            raise InputError(f"{item.where}: {exc}") from None
        # What the adapter could not read and replaced: said, and not fatal.
        for warning in order.warnings:
            click.echo(f"{item.where}: warning: {warning}", err=True)
        return order

    def render(self, mailer: Mailer, item: OrderSource) -> RenderedEmail:
        """Render *item*; an invalid order names the file (and line) it came from."""
        order = self.order(item)
        try:
            return mailer.render(order, any_status=self.any_status)
        except OrderValidationError as exc:
            raise InputError(f"{item.where}: {exc}") from None
        except OrderStatusError as exc:
            raise InputError(f"{item.where}: {exc}") from None


def _load_merchant(path: Path) -> Merchant:
    data = load_json(path)
    try:
        return validate_merchant(data)
    except OrderValidationError as exc:
        raise InputError(f"{path}: {exc}") from None


def _known_locales(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A ``--locale`` callback: each value a locale Babel knows (bad input, exit 2, if not)."""
    for locale in value if isinstance(value, tuple) else (value,):
        try:
            Locale.parse(locale.replace("-", "_"))
        except (ValueError, TypeError, UnknownLocaleError):
            raise click.BadParameter(
                f"{locale!r} is not a known locale (such as en, en_GB, de)"
            ) from None
    return value


_locale_dir_option = click.option(
    "--locale-dir",
    "locale_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="A folder of the merchant's own catalogs, <locale>/LC_MESSAGES/delightmail.po, "
    "searched before the built-in ones (repeatable).",
)


def _setup_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options that say how to render, and hand them to *command* as ``setup``."""

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        merchant_path: Path | None,
        template: str,
        template_dirs: tuple[Path, ...],
        tone: str | None,
        locale: str,
        platform: str | None,
        pack_dirs: tuple[Path, ...],
        sandbox: bool,
        locale_dirs: tuple[Path, ...],
        any_status: bool,
        **kwargs: Any,
    ) -> Any:
        setup = Setup(
            merchant_path,
            template,
            template_dirs,
            tone,
            locale,
            platform,
            pack_dirs,
            sandbox,
            locale_dirs,
            any_status,
        )
        return command(*args, setup=setup, **kwargs)

    options = [
        click.option(
            "--merchant",
            "merchant_path",
            envvar=MERCHANT_ENV,
            type=click.Path(path_type=Path, dir_okay=False),
            help=f"Merchant JSON file (or {MERCHANT_ENV}).",
        ),
        click.option(
            "--template", default="postcard", show_default=True, help="Template name or folder."
        ),
        click.option(
            "--templates",
            "template_dirs",
            multiple=True,
            type=click.Path(path_type=Path, file_okay=False, exists=True),
            help="A folder of templates, searched before the built-in ones (repeatable).",
        ),
        click.option(
            "--tone",
            type=click.Choice(TONES),
            default=None,
            help="How playful the story is. Default: the merchant's voice, or the order's.",
        ),
        click.option(
            "--packs",
            "pack_dirs",
            multiple=True,
            type=click.Path(path_type=Path, file_okay=False, exists=True),
            help="A folder of the merchant's own story packs (repeatable).",
        ),
        _locale_dir_option,
        click.option(
            "--locale",
            default="en",
            show_default=True,
            callback=_known_locales,
            help="Locale when the order has none.",
        ),
        click.option(
            "--sandbox",
            is_flag=True,
            help="Run the template in a bounded sandbox: for a template a merchant wrote.",
        ),
        click.option(
            "--from",
            "platform",
            type=click.Choice(PLATFORMS, case_sensitive=False),
            help="The order is that platform's payload (a webhook body), not delightmail's JSON.",
        ),
        click.option(
            "--any-status",
            is_flag=True,
            help="Render an order even if it is refunded, cancelled, voided or failed "
            "(its email says so, and tells no story).",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def _sender(merchant: Merchant, sender: str | None) -> str | tuple[str, str]:
    if sender:
        return sender
    if merchant.support_email:
        return (merchant.name, str(merchant.support_email))
    raise InputError("the merchant has no support_email: pass --sender ADDRESS")


def _smtp_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of a command that sends: ``--smtp``, ``--starttls``, ``--user``, ``--sender``."""
    options = [
        click.option(
            "--smtp", "server", required=True, metavar="HOST:PORT",
            help="The SMTP server to send through.",
        ),
        click.option(
            "--starttls", is_flag=True, help="Upgrade the connection with STARTTLS first."
        ),
        click.option("--user", help=f"Log in as USER; the password comes from {PASSWORD_ENV}."),
        click.option(
            "--sender", help="From address. Default: the merchant's name and support email."
        ),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _smtp_password(user: str | None) -> str | None:
    """The SMTP password, from the environment (never a flag); required with ``--user``."""
    password = os.environ.get(PASSWORD_ENV)
    if user and password is None:
        raise InputError(f"--user {user} needs its password in {PASSWORD_ENV}")
    return password


# -- the commands ----------------------------------------------------------------


_ENVIRONMENT = f"""\b
Environment:
  {MERCHANT_ENV}       the merchant JSON file, for --merchant
  {CHROMIUM_ENV}       the Chromium that screenshot and check --external
                             drive (default: Debian's /usr/bin/chromium)
  {PASSWORD_ENV}  the SMTP password of send and serve (with --user)
  DELIGHTMAIL_CACHE_DIR      where compiled templates are kept ('off': nowhere)

\b
A folder of your own to design in: delightmail init && delightmail preview --open
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=_ENVIRONMENT)
@click.version_option(__version__, prog_name="delightmail")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn e-commerce orders into personal, playful, ready-to-send emails."""
    ctx.obj = {"debug": debug}


def _outputs(
    email: RenderedEmail, formats: tuple[str, ...], sender: str | tuple[str, str] | None
) -> dict[str, str]:
    out = {}
    if "html" in formats:
        out["html"] = email.html
    if "text" in formats:
        out["txt"] = email.text
    if "eml" in formats and sender is not None:
        out["eml"] = email.to_bytes(sender=sender).decode("ascii")
    return out


@cli.command()
@click.argument("orders", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("out"),
    show_default=True,
    help="Folder to write the emails to.",
)
@_setup_options
@click.option(
    "--format",
    "formats",
    type=click.Choice(FORMATS),
    multiple=True,
    help="What to write (repeatable). Default: html and text.",
)
@click.option("--sender", help="From address, for --format eml. Default: the merchant's.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(0, 256),
    default=0,
    help="Worker processes (forked after compiling). Default: every core.",
)
def render(
    orders: tuple[Path, ...],
    output_dir: Path,
    setup: Setup,
    formats: tuple[str, ...],
    sender: str | None,
    jobs: int,
) -> None:
    """Render ORDERS (JSON files, or .jsonl with one order a line) into email files.

    Orders are read as they are rendered (a .jsonl file a line at a time) by
    --jobs worker processes. Each file is written whole or not at all, and the
    batch is synced to disk once at its end. An order that fails is reported
    and skipped; the exit code is then non-zero.
    """
    formats = formats or ("html", "text")
    with _reported():
        file_labels_are_unique(orders)
        writable_folder(output_dir)
        mailer = setup.mailer()
        from_address = _sender(mailer.merchant, sender) if "eml" in formats else None
    batch = any(path.suffix == ".jsonl" for path in orders)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    progress = Progress(
        TextColumn("rendering"),
        MofNCompleteColumn(),
        TextColumn("orders"),
        TimeElapsedColumn(),
        console=console,
        disable=not (batch and console.is_terminal),
    )
    started = time.perf_counter()

    def outputs(item: OrderSource) -> dict[str, str | bytes]:
        return dict(_outputs(setup.render(mailer, item), formats, from_address))

    def report(outcome: Outcome) -> None:
        if outcome.error is not None:
            console.print(f"error: {outcome.error}", markup=False)
        elif not batch:
            for path in outcome.files:
                click.echo(path)
        progress.advance(task)

    with progress:
        task = progress.add_task("rendering", total=None)
        summary = render_batch(
            outputs,
            iter_order_sources(orders),
            output_dir,
            jobs=jobs or default_jobs(),
            on_outcome=report,
            debug=_debug(),
        )
    seconds = time.perf_counter() - started
    total = summary.rendered + summary.failed
    text = f"rendered {summary.rendered} of {total} orders into {output_dir}/ "
    text += f"({summary.files} files) in {seconds:.2f} s"
    if seconds > 0 and total > 1:
        text += f", {total / seconds:,.0f} a second"
    if summary.failed:
        text += f"; {summary.failed} failed"
    if total > 1:
        click.echo(text, err=True)
    if summary.codes:
        raise SystemExit(max(summary.codes))


@cli.command()
@click.argument("orders", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@_setup_options
@click.option("--strict", is_flag=True, help="Fail on warnings too, not only on errors.")
@click.option(
    "--external",
    is_flag=True,
    help="Also run MJML's validator, caniemail, axe-core and dark-mode contrast in Chromium "
    f"(${CHROMIUM_ENV}, else Debian's), and SpamAssassin.",
)
@click.option(
    "--allow-missing",
    is_flag=True,
    help="With --external: skip the checkers that are not installed (a warning), not fail.",
)
def check(
    orders: tuple[Path, ...], setup: Setup, strict: bool, external: bool, allow_missing: bool
) -> None:
    """Render ORDERS and check each email: size, links, alt text, headings, the text part.

    Prints what the checks found; exits 1 when an email has an error (or, with
    --strict, a warning), or when --external cannot run a checker it was asked
    for; 2 when an order cannot be read.
    """
    with _reported():
        items = list(iter_order_sources(orders))
        mailer = setup.mailer()
    if external and (missing := tools_missing()):
        names = ", ".join(missing)
        if not allow_missing:
            click.echo(
                f"error: --external cannot run every check: {names} not installed "
                "(make system-deps and npm ci install them); --allow-missing skips them",
                err=True,
            )
            raise SystemExit(EXIT_FAILED)
        click.echo(f"warning: skipping what needs {names}: not installed", err=True)
    with ExitStack() as stack:
        checkers = stack.enter_context(ExternalCheckers()) if external else None
        codes = _check_items(items, setup, mailer, strict, checkers)
    if codes:
        raise SystemExit(max(codes))


def _check_items(
    items: list[OrderSource],
    setup: Setup,
    mailer: Mailer,
    strict: bool,
    checkers: ExternalCheckers | None,
) -> list[int]:
    codes: list[int] = []
    for item in items:
        try:
            email = setup.render(mailer, item)
            report = check_email(email, checkers=checkers)
        except DelightmailError as exc:
            if _debug():
                raise
            codes.append(exc.exit_code)
            click.echo(f"error: {exc}", err=True)
            continue
        errors = len(report.errors)
        warnings = sum(1 for finding in report.findings if finding.severity == "warning")
        failed = errors > 0 or (strict and warnings > 0)
        counts = [f"{errors} errors"] if errors else []
        counts += [f"{warnings} warnings"] if warnings else []
        verdict = "FAILED" if failed else "ok"
        click.echo(f"{item.where}: {', '.join([verdict, *counts])}")
        for finding in report.findings:
            click.echo(f"  {finding}")
        if failed:
            codes.append(EXIT_FAILED)
    return codes


def _widths(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[int, ...]:
    """A ``--width`` callback: repeatable, each a number or a list (``375,600``), in range."""
    widths: list[int] = []
    for part in ",".join(value).split(","):
        try:
            width = int(part.strip())
        except ValueError:
            raise click.BadParameter(f"{part.strip()!r} is not a width in pixels") from None
        if not MIN_WIDTH <= width <= MAX_WIDTH:
            raise click.BadParameter(f"{width} is not between {MIN_WIDTH} and {MAX_WIDTH}")
        widths.append(width)
    return tuple(dict.fromkeys(widths))


def _shot_message(item: OrderSource, error: DelightmailError) -> str:
    """*error*, named for the order it befell (a template's error does not name it)."""
    message = str(error) or type(error).__name__
    return message if message.startswith(item.where) else f"{item.where}: {message}"


@cli.command()
@click.argument("orders", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("out"),
    show_default=True,
    help="The folder to write <order>-<width>-<scheme>@<scale>x.png to; "
    "or, for one order at one width, scheme and scale, the PNG file itself.",
)
@click.option(
    "--width",
    "widths",
    multiple=True,
    default=("600",),
    show_default=True,
    metavar="PIXELS",
    callback=_widths,
    help=f"Viewport width in CSS pixels ({MIN_WIDTH}-{MAX_WIDTH}): 375 a phone, 600 a "
    "desktop client. Repeatable, or a list: --width 375,600.",
)
@click.option(
    "--scheme",
    "schemes",
    multiple=True,
    type=click.Choice(SCHEMES),
    help="The client's colour scheme (repeatable). Default: light.",
)
@click.option("--dark", is_flag=True, help="Emulate a client in dark mode (--scheme dark).")
@click.option(
    "--scale",
    "scales",
    multiple=True,
    type=click.Choice([str(scale) for scale in SCALES]),
    help="Device pixel ratio: 2 for a retina screen (repeatable). Default: 1.",
)
@click.option("--load-images", is_flag=True, help="Fetch remote images (default: offline).")
@_setup_options
def screenshot(
    orders: tuple[Path, ...],
    output: Path,
    widths: tuple[int, ...],
    schemes: tuple[str, ...],
    dark: bool,
    scales: tuple[str, ...],
    load_images: bool,
    setup: Setup,
) -> None:
    """Render ORDERS (JSON files, or .jsonl) and save PNGs of each email as Chromium shows it.

    Every order at every --width, in every --scheme, at every --scale, all in one
    browser. Each PNG is written whole or not at all. An order that fails is
    reported and skipped and the others are still shot; the exit code is then 2
    (a bad order) or 1 (a page Chromium failed to draw).
    """
    kinds = tuple(dict.fromkeys([*schemes, *(["dark"] if dark else [])])) or ("light",)
    ratios = tuple(dict.fromkeys(int(scale) for scale in scales)) or (1,)
    single = output.suffix.lower() == ".png"
    with _reported():
        if single:
            items: Iterable[OrderSource] = [_one_shot(orders, widths, kinds, ratios, output)]
        else:
            file_labels_are_unique(orders)
            writable_folder(output)
            items = iter_order_sources(orders)
        mailer = setup.mailer()
    listed = not any(path.suffix == ".jsonl" for path in orders)
    started = time.perf_counter()
    done = failed = shots = 0
    codes: list[int] = []
    with ExitStack() as stack:
        shooter: Shooter | None = None  # started for the first order that renders
        for item in items:
            try:
                email = setup.render(mailer, item)
                if shooter is None:
                    shooter = stack.enter_context(Shooter(load_images=load_images))
                for shot in shooter.shots(email.html, widths=widths, schemes=kinds, scales=ratios):
                    path = output if single else output / shot.name(item.label)
                    atomic_write(path, shot.png, sync=False)
                    shots += 1
                    if listed:
                        click.echo(str(path))
            except DelightmailError as exc:
                if isinstance(exc, ScreenshotError) and not (shooter and shooter.alive):
                    sync_all()  # no browser: what was shot is kept, nothing more is tried
                    _fail(exc)
                # A bad order, or a page that failed in a browser still running: the next may do.
                if _debug():
                    raise
                click.echo(f"error: {_shot_message(item, exc)}", err=True)
                failed += 1
                codes.append(exc.exit_code)
            else:
                done += 1
    sync_all()
    seconds = time.perf_counter() - started
    if done + failed > 1 or shots > 1:
        text = f"took {shots} screenshots of {done} of {done + failed} orders into {output}/ "
        text += f"in {seconds:.2f} s"
        if shots:
            text += f", {seconds / shots:.2f} s a screenshot"
        if failed:
            text += f"; {failed} failed"
        click.echo(text, err=True)
    if codes:
        raise SystemExit(max(codes))


def _one_shot(
    orders: tuple[Path, ...],
    widths: tuple[int, ...],
    schemes: tuple[str, ...],
    scales: tuple[int, ...],
    output: Path,
) -> OrderSource:
    """The one order of a ``-o FILE.png`` call, which takes one width, scheme and scale too."""
    if len(orders) != 1 or len(widths) * len(schemes) * len(scales) != 1:
        raise InputError(
            f"-o {output}: one PNG holds one order at one --width, --scheme and --scale; "
            "pass -o FOLDER for more"
        )
    items = list(iter_order_sources(orders))
    if len(items) != 1:
        raise InputError(
            f"{orders[0]}: holds {len(items)} orders; -o FILE.png takes one (-o FOLDER takes many)"
        )
    return items[0]


@cli.command()
@click.argument("order", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--to", "to", required=True, help="Who gets the email (not the order's customer).")
@_smtp_options
@_setup_options
def send(
    order: Path,
    to: str,
    server: str,
    starttls: bool,
    user: str | None,
    sender: str | None,
    setup: Setup,
) -> None:
    """Render ORDER and send it to --to through an SMTP server.

    The password is never a flag: set DELIGHTMAIL_SMTP_PASSWORD.
    """
    # smtplib and ssl cost milliseconds every other command would pay for nothing.
    from .sending import parse_server, send_message

    with _reported():
        parse_server(server)
        password = _smtp_password(user)
        item = _one_item(order)
        mailer = setup.mailer()
        email = setup.render(mailer, item)
        from_address = _sender(mailer.merchant, sender)
        data = email.to_bytes(sender=from_address, to=to)
        envelope = (parse_address(from_address).address, [parse_address(to).address])
        send_message(
            data, server, starttls=starttls, user=user, password=password, envelope=envelope
        )
    message_id = BytesHeaderParser().parsebytes(data)["Message-ID"]
    click.echo(f"sent {message_id} to {envelope[1][0]} through {server}")


#: Where ``delightmail serve`` reads each platform's secret from: never a flag.
SECRET_ENVS = {
    "shopify": "DELIGHTMAIL_SHOPIFY_SECRET",
    "woocommerce": "DELIGHTMAIL_WOOCOMMERCE_SECRET",
    "saleor": "DELIGHTMAIL_SALEOR_KEYS",
}


def _webhook_secrets() -> dict[str, Any]:
    """Each platform's secret from its environment variable; Saleor's is the path of its
    JWKS file (``/.well-known/jwks.json``, saved) or PEM public key."""
    secrets: dict[str, Any] = {}
    for platform, name in SECRET_ENVS.items():
        value = os.environ.get(name, "").strip()
        if not value:
            continue
        if platform == "saleor":
            path = Path(value)
            text = read_text(path)
            pem = text.lstrip().startswith("-----BEGIN")
            secrets[platform] = text if pem else parse_json(text, f"{name}: {path}")
        else:
            secrets[platform] = value
    if not secrets:
        raise InputError(
            "no platform to receive from: set " + ", ".join(SECRET_ENVS.values()) + " (one or more)"
        )
    return secrets


@cli.command()
@_smtp_options
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("delightmail-sent.sqlite3"),
    show_default=True,
    help="The SQLite file of sent records (every process of this machine).",
)
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="Keep the sent records in Redis instead (many machines).",
)
@click.option(
    "--strict-totals",
    is_flag=True,
    help="Refuse orders whose totals do not add up (default: confirm with the platform's).",
)
@_setup_options
def serve(
    server: str,
    starttls: bool,
    user: str | None,
    sender: str | None,
    host: str,
    port: int,
    store_path: Path,
    redis_url: str | None,
    strict_totals: bool,
    setup: Setup,
) -> None:
    """Receive order webhooks and send each order's confirmation, once.

    Point each platform's "order created" webhook at http://HOST:PORT/webhooks/shopify
    (or woocommerce, or saleor). Secrets are never flags: set DELIGHTMAIL_SHOPIFY_SECRET,
    DELIGHTMAIL_WOOCOMMERCE_SECRET, or DELIGHTMAIL_SALEOR_KEYS (a saved jwks.json).
    """
    with _reported():
        if setup.platform:
            raise InputError("--from: serve takes every platform it has a secret for")
        try:
            import uvicorn

            from .webhooks import app
        except ImportError as exc:
            raise InputError(
                f"serve needs {exc.name}: pip install 'delightmail[webhooks]'"
            ) from None
        from .records import RedisSentStore, SQLiteSentStore
        from .sending import SMTPTransport

        password = _smtp_password(user)
        secrets = _webhook_secrets()
        mailer = setup.mailer()  # compiles now: a broken template stops here, not per order
        transport = SMTPTransport(
            server, _sender(mailer.merchant, sender), starttls=starttls, user=user,
            password=password,
        )  # fmt: skip
        store = RedisSentStore(redis_url) if redis_url else SQLiteSentStore(store_path)
        application = app(
            mailer=mailer, secrets=secrets, send=transport, store=store,
            lenient=not strict_totals,
        )  # fmt: skip
    # One line per delivery (delightmail.webhooks), beside uvicorn's own.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    click.echo(
        f"receiving {', '.join(sorted(secrets))} order webhooks on http://{host}:{port}/webhooks/"
        f"<platform>, sending through {server}",
        err=True,
    )
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=False)


@cli.command()
@click.argument("folder", required=False, default=Path(), type=click.Path(path_type=Path))
@click.option(
    "--template",
    default="postcard",
    show_default=True,
    help="The built-in design to copy into templates/NAME/ to edit.",
)
@click.option("--partials", is_flag=True, help="Also copy the layout and partials into templates/.")
@click.option("--force", is_flag=True, help="Overwrite the files of a former init.")
def init(folder: Path, template: str, partials: bool, force: bool) -> None:
    """Make FOLDER (default: this one) a folder to design emails in.

    It gets merchant.json, example orders in orders/, a copy of a built-in design
    in templates/NAME/ (which replaces the built-in one), a story pack in
    packs/playful.toml and a README.md of next steps. Then, from FOLDER,
    delightmail preview --open shows them all and reloads on every edit.

    A file that exists is never overwritten without --force: nothing is written.
    """
    with _reported():
        written = init_folder(folder, template=template, force=force, partials=partials)
    for written_path in written:
        click.echo(written_path)
    go = "" if folder == Path() else f"cd {shlex.quote(str(folder))} && "
    click.echo(f"next: {go}delightmail preview --open (README.md says more)", err=True)


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--merchant",
    "merchant_path",
    envvar=MERCHANT_ENV,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Merchant JSON file. Default: a merchant.json beside the orders.",
)
@click.option(
    "--template", "templates", multiple=True, help="Show only this template (repeatable)."
)
@click.option(
    "--templates",
    "template_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="A folder of templates, searched before the built-in ones (repeatable).",
)
@_locale_dir_option
@click.option(
    "--locale", "locales", multiple=True, help="Show each order in this locale (repeatable)."
)
@click.option(
    "--tone",
    "tones",
    multiple=True,
    type=click.Choice(TONES),
    help="Tell each story in this tone (repeatable). Default: each order's own.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port on 127.0.0.1; 0 picks a free one.",
)
@click.option(
    "--packs",
    "pack_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="A folder of the merchant's own story packs (repeatable); edits show live.",
)
@click.option(
    "--from",
    "platform",
    type=click.Choice(PLATFORMS, case_sensitive=False),
    help="The orders are that platform's payloads (webhook bodies), not delightmail's JSON.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in the browser.")
@click.option(
    "--smtp",
    "smtp_server",
    metavar="HOST:PORT",
    help="The send-test button sends through this SMTP server (with --to). "
    "Default: a local sink on 127.0.0.1, started on the first send, that keeps what arrives.",
)
@click.option("--to", "send_to", help="Where the send-test button sends (the only address).")
@click.option("--sender", help="From address. Default: the merchant's name and support email.")
@click.option("--starttls", is_flag=True, help="With --smtp: upgrade with STARTTLS first.")
@click.option(
    "--user", help=f"With --smtp: log in as USER; the password comes from {PASSWORD_ENV}."
)
def preview(
    path: Path | None,
    merchant_path: Path | None,
    templates: tuple[str, ...],
    template_dirs: tuple[Path, ...],
    locale_dirs: tuple[Path, ...],
    locales: tuple[str, ...],
    tones: tuple[str, ...],
    pack_dirs: tuple[Path, ...],
    platform: str | None,
    port: int,
    open_browser: bool,
    smtp_server: str | None,
    send_to: str | None,
    sender: str | None,
    starttls: bool,
    user: str | None,
) -> None:
    """Serve a live preview of the orders at PATH in the browser.

    PATH defaults to ./orders when there is one (a folder made by delightmail init,
    whose templates/ and packs/ are then used too unless --templates or --packs is
    given), else examples/orders; the merchant, to a merchant.json beside the orders.

    A sidebar of every order × template × locale × tone, and the email chosen at
    320, 375, 600px or full width, light, dark or inverted, images on or off; its
    text, HTML source, headers and check results; .html and .eml downloads; a
    send-test button (to --to only). The page re-renders itself, keeping its
    scroll, when a template, pack, catalog, order or merchant file changes.
    """
    # The preview's server and file watcher (http.server, ssl, watchfiles) load only for it.
    from .preview import Gallery, PreviewServer, SendSettings
    from .sending import parse_server

    with _reported():
        if smtp_server is not None:
            parse_server(smtp_server)
            if send_to is None:
                raise InputError("--smtp needs --to ADDRESS: the send-test sends only there")
        if (starttls or user) and smtp_server is None:
            raise InputError("--starttls and --user go with --smtp HOST:PORT")
        for address, what in ((send_to, "--to"), (sender, "--sender")):
            if address is not None:
                parse_address(address, what)
        send = SendSettings(
            to=send_to or SendSettings.to, server=smtp_server, sender=sender,
            starttls=starttls, user=user, password=_smtp_password(user),
        )  # fmt: skip
        # What is not given comes from an initialised folder (delightmail init).
        found = project_defaults(path, template_dirs, pack_dirs)
        orders, template_dirs, pack_dirs = found.orders, found.template_dirs, found.pack_dirs
        if not orders.exists():
            raise InputError(f"{orders}: no such file or folder (pass PATH, a folder of orders)")
        merchant = merchant_path or _merchant_beside(orders)
        _load_merchant(merchant)
        read_catalogs(locale_dirs)  # a broken catalog fails here, once, not on every card
        known = available_templates(template_dirs)
        for name in templates:
            if name not in known:
                raise InputError(f"no template named {name!r} (known: {', '.join(known)})")
        gallery = Gallery(
            orders,
            merchant,
            templates=templates,
            template_dirs=template_dirs,
            locale_dirs=locale_dirs,
            locales=locales,
            tones=tones,
            pack_dirs=pack_dirs,
            platform=platform.lower() if platform else None,
        )
        try:
            server = PreviewServer(gallery, port=port, send=send)
        except OSError as exc:
            raise InputError(
                f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc} "
                "(--port 0 picks a free port)"
            ) from None
    if found.found:
        click.echo(f"using {', '.join(found.found)} (this folder's)", err=True)
    with server:
        click.echo(f"delightmail preview: {server.url}  (Ctrl+C to stop)")
        if open_browser:
            webbrowser.open(server.url)
        with suppress(KeyboardInterrupt):
            server.wait()


def _merchant_beside(orders: Path) -> Path:
    folder = orders if orders.is_dir() else orders.parent
    for candidate in (folder / "merchant.json", folder.parent / "merchant.json"):
        if candidate.is_file():
            return candidate
    raise InputError(f"no merchant: pass --merchant FILE or put a merchant.json beside {orders}")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of an order."""
    click.echo(json.dumps(Order.model_json_schema(), indent=2, ensure_ascii=False))


@cli.command()
@click.option(
    "--templates",
    "template_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Also list the templates in this folder (repeatable).",
)
@_locale_dir_option
@click.option(
    "--context",
    "reference",
    is_flag=True,
    help="Print the template reference: every name, filter and model field a template can use.",
)
@click.option(
    "--format",
    "form",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="How --context prints: for a terminal, or Markdown (docs/templates.md).",
)
def templates(
    template_dirs: tuple[Path, ...], locale_dirs: tuple[Path, ...], reference: bool, form: str
) -> None:
    """List the templates (--template), tones (--tone) and locales the emails speak.

    With --context, print what a template can use instead: every context name
    and filter with its type and an example rendered from the bundled example
    order, and the fields of the models.
    """
    if reference:
        from .reference import template_reference

        with _reported():
            click.echo(template_reference(form), nl=False)
        return
    with _reported():
        catalogs = read_catalogs(locale_dirs) if locale_dirs else None
    click.echo(f"templates: {', '.join(available_templates(template_dirs))}")
    click.echo(f"tones: {', '.join(TONES)}")
    locales = ", ".join(available_locales(catalogs))
    click.echo(f"locales: {locales} (others: English text, local formats)")


@cli.group()
def packs() -> None:
    """Story packs: check a merchant's own, or the built-in ones."""


@packs.command("check")
@click.argument(
    "folder", required=False, type=click.Path(path_type=Path, file_okay=False, exists=True)
)
@click.option(
    "--tone", "tones", multiple=True, type=click.Choice(TONES), help="Only this tone (repeatable)."
)
@click.option(
    "--locale", "locales", multiple=True, callback=_known_locales,
    help="Only this locale (repeatable).",
)  # fmt: skip
@click.option(
    "--orders", "count", type=click.IntRange(1, 100_000), default=1000, show_default=True,
    help="How many generated orders to read each pack over.",
)  # fmt: skip
@click.option(
    "--merchant", "merchant_path", type=click.Path(path_type=Path, dir_okay=False),
    envvar=MERCHANT_ENV, help="Tell the orders as this merchant (default: three sample shops).",
)  # fmt: skip
@click.option("--limit", type=click.IntRange(0), default=20, show_default=True,
              help="Print at most this many findings (0: all).")  # fmt: skip
def packs_check(
    folder: Path | None,
    tones: tuple[str, ...],
    locales: tuple[str, ...],
    count: int,
    merchant_path: Path | None,
    limit: int,
) -> None:
    """Read every email the packs in FOLDER (default: the built-in ones) can tell.

    Every tone and language is rendered over a generated matrix of orders and
    read sentence by sentence for repetition, contradictions with the order,
    other languages, and subjects and preheaders that do not fit. Exits 1 on
    any finding, 2 on a pack that does not load.
    """
    # The copy linter (lexicons, sample orders) loads only for the command that reads packs.
    from .lint import LOCALES, lint_packs

    with _reported():
        shop = [_load_merchant(merchant_path)] if merchant_path is not None else None
        report = lint_packs(
            (folder,) if folder is not None else (),
            tones=tones or TONES,
            locales=locales or LOCALES,
            count=count,
            shop=shop,
        )
    shown = report.findings if limit == 0 else report.findings[:limit]
    for finding in shown:
        click.echo(str(finding))
    if len(shown) < len(report.findings):
        click.echo(f"… and {len(report.findings) - len(shown)} more (--limit 0 shows all)")
    counts = ", ".join(f"{n} {check}" for check, n in report.by_check().most_common())
    verdict = f"{len(report.findings)} findings ({counts})" if report.findings else "no findings"
    click.echo(f"read {report.emails} emails: {verdict}", err=bool(report.findings))
    if report.findings:
        raise SystemExit(EXIT_FAILED)


def main(argv: list[str] | None = None) -> Any:
    """Run the command line (the ``delightmail`` console script)."""
    return cli.main(args=argv, prog_name="delightmail")
