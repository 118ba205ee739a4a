"""Story packs as data: a merchant's own pack is picked up, a broken one is named exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from delightmail import Mailer, Merchant
from delightmail.exceptions import PackError
from delightmail.i18n import translations
from delightmail.packs import PACK_DIR, VARIABLES, compile_line, load_pack

from .conftest import ORDER_FILES, load

OWN_PACK = """
[pack]
tone = "playful"

[lines]
opening = [
  "Otis the parrot squawked {{ items }} three times, which in {{ town }} means yes.",
]
closing = ["The harbour foghorn sounded twice for you in {{ town }} on {{ day }}."]
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_merchants_own_pack_is_picked_up(merchant: Merchant, tmp_path: Path) -> None:
    """A pack in a folder outside the package replaces the slots it fills, keeps the rest."""
    folder = tmp_path / "my-packs"
    write(folder, "playful.toml", OWN_PACK)
    mailer = Mailer(merchant=merchant, pack_dirs=(folder,))
    story = mailer.context(load(ORDER_FILES[0]))["story"]
    assert (
        story.opening
        == "Otis the parrot squawked your record three times, which in Portland means yes."
    )
    assert "foghorn" in story.paragraphs[-1]
    assert any(s.startswith(str(PACK_DIR)) for s in story.sources)  # journeys: built-in
    assert "Otis the parrot" in mailer.render(load(ORDER_FILES[0])).text


def test_pack_written_in_its_own_language(merchant: Merchant, tmp_path: Path) -> None:
    """A pack that says locale = "de" is used as written for German orders."""
    folder = tmp_path / "packs"
    write(
        folder,
        "warm.de.toml",
        '[pack]\ntone = "warm"\nlocale = "de"\n\n[lines]\n'
        'opening = ["Moin aus {{ town }}! {{ items }} ist schon fast unterwegs."]\n',
    )
    mailer = Mailer(merchant=merchant, tone="warm", pack_dirs=(folder,))
    story = mailer.context(load(ORDER_FILES[2]))["story"]
    assert (
        story.opening == "Moin aus Portland! deine Platte und dein Buch ist schon fast unterwegs."
    )


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('[pack]\ntone = "playful"\n[lines\nopening = ["x"]', "playful.toml", "not valid TOML"),
        (
            '[pack]\ntone = "playful"\n[lines]\nopening = ["fine", "{{ town "]\n',
            "playful.toml: lines.opening[1]",
            "bad Jinja syntax",
        ),
        (
            "[pack]\ntone = \"playful\"\n[lines]\nopening = [\"{{ ''.__class__.__mro__ }}\"]\n",
            "playful.toml: lines.opening[0]",
            "Python internals",
        ),
        (
            "[pack]\ntone = \"playful\"\n[lines]\nclosing = [\"{{ town.upper.__self__ }}\"]\n",
            "playful.toml: lines.closing[0]",
            "Python internals",
        ),
        (
            "[pack]\ntone = \"playful\"\n[lines]\nclosing = [\"{{ town|attr('__class__') }}\"]\n",
            "playful.toml: lines.closing[0]",
            "not allowed in the sandbox",
        ),
        (
            '[pack]\ntone = "playful"\n[lines]\nopening = ["Hi {{ customer_password }}"]\n',
            "playful.toml: lines.opening[0]",
            "unknown variable 'customer_password'",
        ),
        ('[pack]\ntone = "playful"\n[lines]\nopenings = ["x"]\n', "lines.openings", "unknown slot"),
        ('[pack]\ntone = "cheeky"\n[lines]\nopening = ["x"]\n', "playful.toml", "tone"),
        ('[pack]\ntone = "playful"\n[lines]\nopening = []\n', "lines.opening", "non-empty"),
    ],
    ids=["toml", "jinja-syntax", "sandbox-escape", "bound-method-escape", "attr-filter-escape",
         "unknown-variable", "unknown-slot", "unknown-tone", "empty-slot"],
)  # fmt: skip
def test_broken_pack_names_file_and_entry(
    merchant: Merchant, tmp_path: Path, text: str, where: str, message: str
) -> None:
    """Every way a pack can break fails at load with the file and the entry."""
    folder = tmp_path / "broken"
    path = write(folder, "playful.toml", text)
    with pytest.raises(PackError, match=message) as info:
        Mailer(merchant=merchant, pack_dirs=(folder,))
    assert str(path) in str(info.value)
    assert where in str(info.value)


@pytest.mark.parametrize("tone", ["playful", "warm", "plain"])
def test_every_german_translation_of_a_pack_line_is_safe_and_complete(tone: str) -> None:
    """Each translated line compiles in the sandbox and renders with the story's variables."""
    german = translations("de")
    pack = load_pack(tone)
    for slot, lines in pack.lines.items():
        for line in lines:
            text = german.gettext(line.source)
            assert text != line.source, f"{slot}: untranslated {line.source!r}"
            rendered = compile_line(text, line.where).render(VARIABLES)
            assert "{{" not in rendered and rendered.strip()


def test_pack_lines_only_see_story_variables() -> None:
    """The variables a pack line may use are the story's plain values, nothing with methods."""
    assert all(isinstance(v, str | bool) for v in VARIABLES.values())


def test_built_in_packs_fill_every_required_slot() -> None:
    """Each tone's built-in pack loads and fills subject, preheader, opening, journey, closing."""
    for tone in ("playful", "warm", "plain"):
        pack: Any = load_pack(tone)
        for slot in ("subject", "preheader", "opening", "journey", "closing"):
            assert pack.slot(slot), (tone, slot)
