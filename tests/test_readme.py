"""The README's Python snippets run as written, from the repository's root."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

SNIPPETS = re.findall(
    r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S
)


def _env() -> dict[str, str]:
    source = str(ROOT / "src")
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((source, path)) if path else source}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


@pytest.mark.parametrize("code", SNIPPETS, ids=[f"snippet-{i}" for i in range(len(SNIPPETS))])
def test_readme_snippet_runs(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each ```python block of the README runs without an error."""
    if "import django" in code:
        # Django's settings are the process's: configured in a fresh interpreter, as a project is.
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), check=True)
        return
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    finally:
        os.chdir(here)


def test_the_readme_has_snippets() -> None:
    """There is something to run (the API in ten lines)."""
    assert SNIPPETS and "to_bytes" in SNIPPETS[0]
