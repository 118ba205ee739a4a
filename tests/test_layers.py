"""The package's modules form layers without a cycle; the values they share live in leaves."""

from __future__ import annotations

import graphlib
import subprocess
import sys

import grimp
import pytest

import delightmail
from delightmail import checks, findings, rendered, rendering


def test_no_import_cycle() -> None:
    """No module of delightmail imports itself round, not even through an import inside a
    function or under TYPE_CHECKING (``make lint`` checks the layers with lint-imports)."""
    graph = grimp.build_graph("delightmail", cache_dir=None)
    imports = {
        module: {
            imported
            for imported in graph.find_modules_directly_imported_by(module)
            if imported != "delightmail"  # the facade imports lazily on attribute access
        }
        for module in graph.modules
    }
    sorter = graphlib.TopologicalSorter(imports)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        ("delightmail.rendered", ("jinja2", "delightmail.rendering", "delightmail.checks")),
        ("delightmail.findings", ("delightmail.checks", "delightmail.checks_external")),
        ("delightmail.limits", ("delightmail.checks", "delightmail.story")),
        ("delightmail.exceptions", ("delightmail.cli", "delightmail.sending")),
    ],
    ids=["rendered", "findings", "limits", "exceptions"],
)
def test_shared_values_live_in_leaves(module: str, absent: tuple[str, ...]) -> None:
    """The email value, the findings, the inbox limits and the errors import nothing above
    them: taking a RenderedEmail does not load the renderer."""
    code = f"import sys, {module}; print(*sorted(set({absent!r}) & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []


def test_moved_values_keep_their_old_addresses() -> None:
    """RenderedEmail and Finding moved to leaf modules and are the same class where they were."""
    assert delightmail.RenderedEmail is rendering.RenderedEmail is rendered.RenderedEmail
    assert checks.Finding is findings.Finding
