"""The compiled-template cache on disk: a warm start skips MJML and premailer, any change
to what went in is a miss, and a folder others can write to is never used."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from delightmail import Mailer, Merchant, _cache

from .conftest import EXAMPLES, ORDER_FILES, copy_templates, edit, load

FIRST_MAILER = """
import sys, time
from delightmail import Mailer, Merchant, composer, rendering
composed = []
rendering.compose = lambda *args, **kwargs: composed.append(1) or composer.compose(*args, **kwargs)
merchant = Merchant.model_validate_json(open(sys.argv[1]).read())
Mailer(merchant, template=sys.argv[2])
print("premailer" in sys.modules, "mjml" in sys.modules, bool(composed))
"""


def first_mailer(cache: Path, template: Path) -> str:
    env = {**os.environ, _cache.CACHE_ENV: str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", FIRST_MAILER, str(EXAMPLES / "merchant.json"), str(template)],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return done.stdout.strip()


def forget_compiled() -> None:
    """Empty this process's caches of compiled templates (the disk cache stays)."""
    from delightmail import _templates

    for function in (
        _templates.merchant_html,
        _templates.text_template,
        _templates._marked_html,
        _templates._marked_text,
    ):
        function.cache_clear()


def test_a_warm_process_compiles_nothing(tmp_path: Path) -> None:
    """The second process to make the same Mailer imports neither MJML nor premailer, nor
    composes the design's files again; a template whose partial changed is compiled again."""
    template = copy_templates(tmp_path) / "postcard"
    cache = tmp_path / "cache"
    assert first_mailer(cache, template) == "True True True"  # cold: compiled
    assert first_mailer(cache, template) == "False False False"  # warm: from the cache
    # A partial the design includes changed: that is a change to the design.
    edit(template.parent / "partials" / "header.mjml.j2", "28px 0 16px", "30px 0 16px")
    assert first_mailer(cache, template) == "True True True"  # changed: compiled again


def test_cached_and_compiled_render_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, merchant: Merchant
) -> None:
    """An email from a cached template is byte for byte the one from a fresh compile."""
    monkeypatch.setenv(_cache.CACHE_ENV, str(tmp_path / "cache"))
    forget_compiled()
    cold = Mailer(merchant).render(load(ORDER_FILES[2]))
    forget_compiled()
    assert any((tmp_path / "cache").iterdir())
    warm = Mailer(merchant).render(load(ORDER_FILES[2]))
    assert warm == cold


def test_a_folder_others_can_write_to_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries hold compiled code: a group- or world-writable folder is ignored, and 'off'
    turns the cache off."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv(_cache.CACHE_ENV, str(shared))
    assert _cache.cache_dir() is None
    monkeypatch.setenv(_cache.CACHE_ENV, "off")
    assert _cache.cache_dir() is None
    monkeypatch.setenv(_cache.CACHE_ENV, str(tmp_path / "mine"))
    assert _cache.cache_dir() == tmp_path / "mine"
    assert (tmp_path / "mine").stat().st_mode & 0o777 == 0o700


def test_a_broken_entry_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A truncated or garbled entry is compiled again, not an error."""
    monkeypatch.setenv(_cache.CACHE_ENV, str(tmp_path / "cache"))
    entry = _cache.key("test", "x")
    _cache.store(entry, ("a", b"b"))
    assert _cache.fetch(entry) == ("a", b"b")
    path = tmp_path / "cache" / f"{entry}.pickle"
    path.write_bytes(path.read_bytes()[:5])
    assert _cache.fetch(entry) is None
    path.write_bytes(b"not a pickle at all")
    assert _cache.fetch(entry) is None
    assert _cache.key("a") != _cache.key("b")


def test_the_folder_keeps_within_its_bound_by_dropping_what_was_used_longest_ago(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_BYTES, a store removes the entries used longest ago (a hit counts as a
    use) down to three quarters of it; the entry just stored, what was used lately and
    a temporary file being written stay; one a stopped process left behind goes."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(_cache.CACHE_ENV, str(folder))
    monkeypatch.setattr(_cache, "MAX_BYTES", 10_000)
    blob = b"x" * 1_000
    now = time.time()
    entries = [_cache.key("bound", i) for i in range(9)]
    for age, entry in enumerate(entries):
        _cache.store(entry, blob)
        days = 9 - age  # the first stored was used longest ago
        os.utime(folder / f"{entry}.pickle", (now - days * 86400, now - days * 86400))
    assert _cache.fetch(entries[0]) == blob  # used again: now the most recent
    writing = folder / ".in-flight.tmp"
    writing.write_bytes(b"half")
    left = folder / ".left-behind.tmp"
    left.write_bytes(b"half")
    os.utime(left, (now - 86400, now - 86400))
    latest = _cache.key("bound", "latest")
    _cache.store(latest, blob * 2)  # 9 + 2 entries of about 1 kB: over the bound

    kept = {p.name for p in folder.glob("*.pickle")}
    size = sum(p.stat().st_size for p in folder.glob("*.pickle"))
    assert size <= 7_500
    assert f"{latest}.pickle" in kept and f"{entries[0]}.pickle" in kept
    gone = [entry for entry in entries[1:] if f"{entry}.pickle" not in kept]
    assert gone == entries[1 : 1 + len(gone)] and gone  # the oldest, in order
    assert writing.exists() and not left.exists()
    assert _cache.fetch(entries[1]) is None  # a miss, compiled again


def test_another_merchant_or_locale_compiles_nothing(
    merchant_data: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a template is compiled, another merchant and another locale only put their
    values into the compiled code: nothing compiles, and each email is its own."""
    from delightmail import _templates

    Mailer(merchant_data, locale="de")  # compiled (or from the cache) once

    def no_compile(*args: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(_templates, "_compile", no_compile)
    other = Mailer({**merchant_data, "name": "Kiezplatten {{ 7*7 }}"}, locale="de")
    email = other.render(load(ORDER_FILES[2]))
    assert "Kiezplatten {{ 7*7 }}" in email.text and "49" not in email.subject
    assert "Zwischensumme" in email.text and "\U000f0000" not in email.html + email.text


def test_a_template_word_with_an_emoji_survives(tmp_path: Path, merchant: Merchant) -> None:
    """A template's own words outside the Basic Multilingual Plane (an emoji) come out
    whole on the fast path, never as lone surrogates."""
    folder = copy_templates(tmp_path) / "postcard"
    edit(folder.parent / "partials" / "payment.txt.j2", '_("Payment")', '_("Payment 💳")')
    email = Mailer(merchant, template=folder).render(load(ORDER_FILES[0]))
    assert "PAYMENT 💳" in email.text
    email.to_bytes(sender="Shop <shop@example.com>")  # encodes: no lone surrogate


RENDER_TOTAL = """
import json, sys
from decimal import Decimal
from delightmail import Mailer, Merchant
merchant = Merchant.model_validate_json(open(sys.argv[1]).read())
order = json.loads(open(sys.argv[2]).read(), parse_float=Decimal)
mailer = Mailer(merchant, locale_dirs=tuple(sys.argv[3:]))
text = mailer.render(order).text
print(next(line for line in text.splitlines() if "71,61" in line and "Zwischen" not in line))
"""


def test_a_catalog_of_yours_never_comes_back_from_the_cache_to_another(tmp_path: Path) -> None:
    """Processes sharing one disk cache, each with its own German catalog or none: each
    email has its own process's word for the total, whichever process compiled first."""
    env = {**os.environ, _cache.CACHE_ENV: str(tmp_path / "cache")}

    def total(*dirs: Path) -> str:
        args = [EXAMPLES / "merchant.json", ORDER_FILES[2], *dirs]
        done = subprocess.run(
            [sys.executable, "-c", RENDER_TOTAL, *map(str, args)],
            env=env, capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        return done.stdout.split()[0]

    def catalog(name: str, word: str) -> Path:
        path = tmp_path / name / "de" / "LC_MESSAGES" / "delightmail.po"
        path.parent.mkdir(parents=True)
        path.write_text(f'msgid "Total"\nmsgstr "{word}"\n', encoding="utf-8")
        return tmp_path / name

    summe, betrag = catalog("a", "Summe"), catalog("b", "Betrag")
    assert total(summe) == "SUMME"
    assert total() == "GESAMT"
    assert total(betrag) == "BETRAG"
    assert total(summe) == "SUMME"


def test_a_built_in_catalog_is_compiled_once_per_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that finds a catalog compiled reads its bytes (the very same) without
    Babel's message tools; a catalog whose text changed is compiled again."""
    from delightmail import _po, i18n

    monkeypatch.setenv(_cache.CACHE_ENV, str(tmp_path / "cache"))
    i18n._builtin_mo.cache_clear()
    compiled = i18n._builtin_mo("fr")
    assert compiled is not None and len(compiled) > 1000

    def no_compile(*args: object) -> bytes:
        raise AssertionError("compiled again")

    i18n._builtin_mo.cache_clear()
    with monkeypatch.context() as patched:
        patched.setattr(_po, "mo_bytes", no_compile)
        assert i18n._builtin_mo("fr") == compiled  # another process, warm
        # Another catalog's text is another entry.
        source = tmp_path / "fr" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
        source.parent.mkdir(parents=True)
        source.write_bytes(i18n._po("fr").read_bytes().replace(b"Bonjour", b"Salut"))
        patched.setattr(i18n, "_po", lambda candidate: source)
        i18n._builtin_mo.cache_clear()
        with pytest.raises(AssertionError, match="compiled again"):
            i18n._builtin_mo("fr")
    i18n._builtin_mo.cache_clear()


def test_a_story_pack_is_read_and_checked_once_per_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that finds a pack read takes its checked lines from the disk cache, and
    they tell what the freshly read ones tell (a line the sandbox renders too); a pack
    whose text changed is read and checked again."""
    from delightmail import packs

    monkeypatch.setenv(_cache.CACHE_ENV, str(tmp_path / "cache"))
    folder = tmp_path / "packs"
    folder.mkdir()
    path = folder / "playful.toml"
    path.write_text(
        "[pack]\ntone = 'playful'\n[lines]\nopening = [\n"
        '{ text = \'Hi {{ name }}, {{ items.nom }} {{ agree("is", "are") }} ready.\','
        " name = true },\n"
        '{ text = \'{{ name | upper }}, {{ items.nom }} {{ "is" if one else "are" }} here.\','
        " name = true },\n]\n",
        encoding="utf-8",
    )
    packs._read.cache_clear()
    fresh = packs.read_pack(path, layer=1)

    def no_check(*args: object) -> None:
        raise AssertionError("checked again")

    packs._read.cache_clear()
    with monkeypatch.context() as patched:
        patched.setattr(packs, "compile_line", no_check)
        warm = packs.read_pack(path, layer=1)  # another process, warm
        assert warm is not fresh and warm == fresh

        # (Each line on fresh values: the items are named in full once, then "they".)
        def tell(read: packs._File) -> list[str]:
            lines = read.lines["opening"]
            return [line.template.render(packs.sample_variables()) for line in lines]

        told = tell(warm)
        assert told == tell(fresh)
        assert warm.lines["opening"][1].template.template is not None  # the sandbox's line
        assert told[1].startswith(packs.sample_variables()["name"].upper())
        # The same file with other words is another entry.
        path.write_text(path.read_text(encoding="utf-8").replace("Hi", "Hey"), encoding="utf-8")
        packs._read.cache_clear()
        with pytest.raises(AssertionError, match="checked again"):
            packs.read_pack(path, layer=1)
    packs._read.cache_clear()
