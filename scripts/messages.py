"""Keep the message catalogs in step with the templates and the code.

    python scripts/messages.py extract   # write src/delightmail/locale/delightmail.pot
    python scripts/messages.py update    # bring every catalog in step with it
    python scripts/messages.py check     # every message translated in every catalog?

Messages come from gettext calls in the templates (``_("...")``) and in the
Python code. Story packs are not in the catalogs: each language has packs of
its own, written in it (``packs/<tone>.<language>.toml``).

A formal catalog (``de@formal``) holds only the messages whose wording
changes with the register; the others come from the language's own catalog.
``check`` fails on a message a language's catalog leaves untranslated, and on
one whose translation speaks informally ("du") without a formal twin.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "delightmail"
LOCALE_DIR = PACKAGE / "locale"
POT = LOCALE_DIR / "delightmail.pot"
sys.path.insert(0, str(ROOT / "src"))

from delightmail.lexicon import lexicon, words  # noqa: E402

Message = tuple[str | tuple[str, str], str]  # (id, or (singular, plural)), "file:line"


def template_messages() -> Iterator[Message]:
    for path in sorted((ROOT / "templates").glob("*/*.j2")):
        options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}
        for lineno, message, _comments, _context in extract_from_file(
            "jinja2", path, options=options
        ):
            yield message, f"{path.relative_to(ROOT)}:{lineno}"


def python_messages() -> Iterator[Message]:
    for path in sorted(PACKAGE.glob("*.py")):
        for lineno, message, _comments, _context in extract_from_file("python", path):
            yield message, f"{path.relative_to(ROOT)}:{lineno}"


def catalog() -> Catalog:
    pot = Catalog(project="delightmail", domain="delightmail", fuzzy=False)
    for message, where in (*template_messages(), *python_messages()):
        path, _, line = where.rpartition(":")
        pot.add(message, locations=[(path, int(line))])
    return pot


def extract() -> None:
    with POT.open("wb") as handle:
        write_po(handle, catalog(), width=100, omit_header=False, sort_output=True)
    print(f"wrote {POT.relative_to(ROOT)} ({len(catalog())} messages)")


def _po(name: str) -> Path:
    return LOCALE_DIR / name / "LC_MESSAGES" / "delightmail.po"


def _read(name: str) -> Catalog:
    with _po(name).open("rb") as handle:
        return read_po(handle, locale=name.partition("@")[0])


def update() -> None:
    """Every catalog in step with the templates: new messages added, gone ones dropped.

    A formal catalog keeps only what it already translates.
    """
    template = catalog()
    for folder in sorted(p for p in LOCALE_DIR.iterdir() if p.is_dir()):
        po = _read(folder.name)
        po.update(template, no_fuzzy_matching=True)
        po.obsolete.clear()
        if "@" in folder.name:
            for message in list(po):
                if message.id and not message.string:
                    po.delete(message.id)
        with _po(folder.name).open("wb") as handle:
            write_po(handle, po, width=100, sort_output=True)
        print(f"updated {_po(folder.name).relative_to(ROOT)}")


def _strings(message: object) -> list[str]:
    strings = getattr(message, "string", None)
    values = strings if isinstance(strings, list | tuple) else [strings]
    return [v for v in values if isinstance(v, str)]


def _first(message_id: object) -> str:
    return message_id if isinstance(message_id, str) else str(message_id[0])  # type: ignore[index]


def missing(language: str) -> list[str]:
    """The message ids the catalog of *language* lacks or leaves untranslated."""
    translated = _read(language)
    out = []
    for message in catalog():
        if not message.id:
            continue
        found = translated.get(message.id)
        if found is None or found.fuzzy or not all(_strings(found)) or not _strings(found):
            out.append(_first(message.id))
    return out


def informal(text: str, language: str) -> set[str]:
    """The informal words ("du", "dein") in *text*."""
    register = lexicon(language).register.get("informal", frozenset())
    return {w for w in words(text) if w in register}


def unformal(name: str) -> list[str]:
    """Problems of the formal catalog *name*: a message the base catalog says
    informally that it does not translate, or translates informally too."""
    language = name.partition("@")[0]
    base, formal = _read(language), _read(name)
    problems = []
    for message in base:
        if not message.id:
            continue
        said = " ".join(_strings(message))
        twin = formal.get(message.id)
        twin_said = " ".join(_strings(twin)) if twin is not None else ""
        if informal(said, language) and not twin_said:
            problems.append(f"no formal translation of {_first(message.id)!r}")
        elif twin_said and informal(twin_said, language):
            problems.append(f"informal words in the formal {_first(message.id)!r}")
    return problems


def check() -> int:
    failed = 0
    for folder in sorted(p for p in LOCALE_DIR.iterdir() if p.is_dir()):
        problems = (
            unformal(folder.name)
            if "@" in folder.name
            else [f"untranslated: {m!r}" for m in missing(folder.name)]
        )
        for problem in problems:
            print(f"{folder.name}: {problem}")
        failed += len(problems)
    print("all catalogs complete" if not failed else f"{failed} problems in the catalogs")
    return 1 if failed else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "extract":
        extract()
    elif command == "update":
        update()
    else:
        sys.exit(check())
