"""Keep the message catalogs in step with the templates, the story packs and the code.

    python scripts/messages.py extract   # write src/delightmail/locale/delightmail.pot
    python scripts/messages.py check     # every message translated in every catalog?

Messages come from three places: gettext calls in the templates (``_("...")``),
every line of the built-in story packs, and gettext calls in the Python code.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "delightmail"
LOCALE_DIR = PACKAGE / "locale"
POT = LOCALE_DIR / "delightmail.pot"

Message = tuple[str | tuple[str, str], str]  # (id, or (singular, plural)), "file:line"


def template_messages() -> Iterator[Message]:
    for path in sorted((ROOT / "templates").glob("*/*.j2")):
        options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}
        for lineno, message, _comments, _context in extract_from_file(
            "jinja2", path, options=options
        ):
            yield message, f"{path.relative_to(ROOT)}:{lineno}"


def pack_messages() -> Iterator[Message]:
    for path in sorted((PACKAGE / "packs").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if "lines" not in data or data.get("pack", {}).get("locale"):
            continue  # noun tables, and packs written in their own language
        for slot, entries in data["lines"].items():
            for i, entry in enumerate(entries):
                yield " ".join(entry.split()), f"{path.relative_to(ROOT)}:lines.{slot}[{i}]"


def python_messages() -> Iterator[Message]:
    for path in sorted(PACKAGE.glob("*.py")):
        for lineno, message, _comments, _context in extract_from_file("python", path):
            yield message, f"{path.relative_to(ROOT)}:{lineno}"


def catalog() -> Catalog:
    pot = Catalog(project="delightmail", domain="delightmail", fuzzy=False)
    for message, where in (*template_messages(), *pack_messages(), *python_messages()):
        path, _, line = where.rpartition(":")
        pot.add(message, locations=[(where, None)] if not line.isdigit() else [(path, int(line))])
    return pot


def extract() -> None:
    with POT.open("wb") as handle:
        write_po(handle, catalog(), width=100, omit_header=False, sort_output=True)
    print(f"wrote {POT.relative_to(ROOT)} ({len(catalog())} messages)")


def missing(language: str) -> list[str]:
    """The message ids the catalog of *language* lacks or leaves untranslated."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "delightmail.po"
    with po.open("rb") as handle:
        translated = read_po(handle, locale=language)
    out = []
    for message in catalog():
        if not message.id:
            continue
        found = translated.get(message.id)
        strings = found.string if found is not None else None
        values = strings if isinstance(strings, (list, tuple)) else [strings]
        if found is None or not all(values) or found.fuzzy:
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def check() -> int:
    failed = 0
    for folder in sorted(p for p in LOCALE_DIR.iterdir() if p.is_dir()):
        lacking = missing(folder.name)
        for message_id in lacking:
            print(f"{folder.name}: untranslated: {message_id!r}")
        failed += len(lacking)
    print("all catalogs complete" if not failed else f"{failed} messages untranslated")
    return 1 if failed else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "extract":
        extract()
    else:
        sys.exit(check())
