"""The ``delightmail`` command line: render orders into emails, print the schema.

Every mistake a user can make (a missing file, invalid JSON, an invalid order,
a broken template) ends in one clear line on stderr and a non-zero exit, never
a traceback; ``--debug`` shows the traceback too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from ._files import InputError, atomic_write, load_json, load_orders
from .exceptions import DelightmailError, OrderValidationError, TemplateError
from .models import Merchant, Order, validate_merchant
from .rendering import Mailer, RenderedEmail, available_templates

__all__ = ["cli", "main"]

#: Exit code for bad input (a file, JSON, an order), as for a usage error.
EXIT_BAD_INPUT = 2
#: Exit code for a template that fails to compile or render.
EXIT_TEMPLATE = 1

FORMATS = ("html", "text", "eml")


def _fail(error: DelightmailError, debug: bool) -> NoReturn:
    if debug:
        raise error
    click.echo(f"error: {error}", err=True)
    code = EXIT_TEMPLATE if isinstance(error, TemplateError) else EXIT_BAD_INPUT
    sys.exit(code)


def _merchant(path: Path | None) -> Merchant:
    if path is None:
        raise InputError(
            "no merchant: pass --merchant FILE (a merchant JSON file, "
            "see examples/merchant.json) or set DELIGHTMAIL_MERCHANT"
        )
    data = load_json(path)
    try:
        return validate_merchant(data)
    except OrderValidationError as exc:
        raise InputError(f"{path}: {exc}") from None


def _outputs(email: RenderedEmail, formats: tuple[str, ...], sender: str) -> dict[str, str]:
    out = {}
    if "html" in formats:
        out["html"] = email.html
    if "text" in formats:
        out["txt"] = email.text
    if "eml" in formats:
        out["eml"] = email.to_message(sender=sender).as_string()
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="delightmail")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn e-commerce orders into personal, playful, ready-to-send emails."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument(
    "orders", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
)
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("out"),
    show_default=True,
    help="Folder to write the emails to.",
)
@click.option(
    "--merchant",
    "merchant_path",
    envvar="DELIGHTMAIL_MERCHANT",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Merchant JSON file (or DELIGHTMAIL_MERCHANT).",
)
@click.option("--template", default="playful", show_default=True, help="Template name or folder.")
@click.option("--locale", default="en", show_default=True, help="Locale when the order has none.")
@click.option(
    "--format",
    "formats",
    type=click.Choice(FORMATS),
    multiple=True,
    help="What to write (repeatable). Default: html and text.",
)
@click.option(
    "--sender",
    default="orders@example.com",
    show_default=True,
    help="From address, for --format eml.",
)
@click.pass_context
def render(
    ctx: click.Context,
    orders: tuple[Path, ...],
    output_dir: Path,
    merchant_path: Path | None,
    template: str,
    locale: str,
    formats: tuple[str, ...],
    sender: str,
) -> None:
    """Render ORDERS (JSON files, or .jsonl with one order a line) into email files."""
    debug = ctx.obj["debug"]
    formats = formats or ("html", "text")
    try:
        mailer = Mailer(merchant=_merchant(merchant_path), template=template, locale=locale)
        for path in orders:
            for label, data in load_orders(path):
                try:
                    email = mailer.render(data)
                except OrderValidationError as exc:
                    raise InputError(f"{path} ({label}): {exc}") from None
                for suffix, content in _outputs(email, formats, sender).items():
                    target = output_dir / f"{label}.{suffix}"
                    atomic_write(target, content)
                    click.echo(f"{target}")
    except DelightmailError as exc:
        _fail(exc, debug)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of an order."""
    click.echo(json.dumps(Order.model_json_schema(), indent=2, ensure_ascii=False))


@cli.command()
def templates() -> None:
    """List the templates that can be used with --template."""
    for name in available_templates():
        click.echo(name)


def main(argv: list[str] | None = None) -> Any:
    """Run the command line (the ``delightmail`` console script)."""
    return cli.main(args=argv, prog_name="delightmail")
