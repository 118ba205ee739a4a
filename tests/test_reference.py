"""The template reference: docs/templates.md is what the generator writes now, and the
command line prints it."""

from __future__ import annotations

from click.testing import CliRunner

from delightmail.cli import cli
from delightmail.context import CONTEXT
from delightmail.filters import FILTERS
from delightmail.reference import template_reference

from .conftest import ROOT

DOCS = ROOT / "docs" / "templates.md"
REFRESH = "python -m delightmail templates --context --format markdown > docs/templates.md"


def test_the_committed_reference_is_current() -> None:
    """docs/templates.md is exactly what the code generates (refresh it with make docs)."""
    assert DOCS.read_text(encoding="utf-8") == template_reference("markdown"), (
        f"docs/templates.md is out of date: run `{REFRESH}` (or make docs)"
    )


def test_templates_context_prints_the_reference() -> None:
    """delightmail templates --context prints every context name and filter, for a
    terminal; --format markdown prints the docs."""
    result = CliRunner().invoke(cli, ["templates", "--context"])
    assert result.exit_code == 0, result.output
    for item in CONTEXT:
        assert f"\n  {item.name}: " in result.stdout
    for name in FILTERS:
        assert f"\n  {name}(" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    markdown = CliRunner().invoke(cli, ["templates", "--context", "--format", "markdown"])
    assert markdown.exit_code == 0 and markdown.stdout == template_reference("markdown")


def test_the_readme_points_to_the_reference() -> None:
    """The README's "Writing templates" section links docs/templates.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Writing templates" in readme and "docs/templates.md" in readme
