"""Shared fixtures: the demo merchant, the example orders, compiled mailers."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from delightmail import Mailer, Merchant

# The tests compile many templates: into a cache of their own, not the user's.
os.environ.setdefault("DELIGHTMAIL_CACHE_DIR", tempfile.mkdtemp(prefix="delightmail-test-cache-"))

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ORDER_FILES = sorted((EXAMPLES / "orders").glob("*.json"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: The platforms' public sample payloads, beside the repository (CI has them too).
SAMPLES = ROOT.parent / "shared" / "payloads"
#: The project's own adapter fixtures, written from the platforms' documentation.
ADAPTER_FIXTURES = FIXTURES / "adapters"


def copy_templates(tmp_path: Path) -> Path:
    """A copy of the built-in template tree (every design, the layout and the partials)
    in tmp_path/templates, to edit: a design in it reads its partials from the copy."""
    root = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first *old* in the file at *path* by *new*; *old* must be there."""
    source = path.read_text(encoding="utf-8")
    assert old in source, f"{old!r} is not in {path}"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")


def load(path: Path) -> Any:
    """Parse a JSON file the way delightmail wants it: fractions as Decimal."""
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def sample(platform: str, name: str) -> Any:
    """A public sample payload of *platform*, from the shared payloads folder."""
    return load(SAMPLES / platform / name)


def fixture(name: str) -> Any:
    """One of the project's own adapter fixtures."""
    return load(ADAPTER_FIXTURES / name)


@pytest.fixture(scope="session")
def merchant_data() -> dict[str, Any]:
    """The demo merchant of examples/merchant.json, as a plain dict."""
    data: dict[str, Any] = load(EXAMPLES / "merchant.json")
    return data


@pytest.fixture(scope="session")
def merchant(merchant_data: dict[str, Any]) -> Merchant:
    """The demo merchant, validated."""
    return Merchant.model_validate(merchant_data)


@pytest.fixture(scope="session")
def mailer(merchant: Merchant) -> Mailer:
    """A mailer on the compiled (fast) path with the postcard design."""
    return Mailer(merchant=merchant)


@pytest.fixture(scope="session")
def reference_mailer(merchant: Merchant) -> Mailer:
    """A mailer on the slow reference path: Jinja, then MJML and premailer per email."""
    return Mailer(merchant=merchant, precompile=False)


@pytest.fixture
def order_data() -> dict[str, Any]:
    """A fresh copy of the one-item example order, safe to modify."""
    data: dict[str, Any] = load(EXAMPLES / "orders" / "01-one-item.json")
    return data


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real Redis server (Debian's ``redis-server``) on loopback for the session; its URL.

    Tests that use it take a database of their own with :func:`flushed`."""
    from .cluster import redis_server

    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
