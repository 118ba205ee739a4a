"""Story packs as data: a merchant's own pack is picked up, a broken one is named exactly."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail import Mailer, Merchant
from delightmail import packs as packs_module
from delightmail.exceptions import PackError
from delightmail.grammar import ItemsRef
from delightmail.models import TONES
from delightmail.packs import PACK_DIR, VARIABLES, in_register, load_pack

from .conftest import ORDER_FILES, load

OWN_PACK = """
[pack]
tone = "playful"

[lines]
opening = [
  { text = "The parrot squawked {{ items.acc }}, which in {{ town }} means yes.", town = true },
]
closing = [
  { text = "The harbour foghorn sounded twice for you in {{ town }} on {{ day }}.", town = true },
]
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
    assert story.opening == "The parrot squawked your record, which in Portland means yes."
    assert "foghorn" in story.paragraphs[-1]
    assert any(s.startswith(str(PACK_DIR)) for s in story.sources)  # journeys: built-in
    assert "The parrot squawked" in mailer.render(load(ORDER_FILES[0])).text


def test_pack_written_in_its_own_language(merchant: Merchant, tmp_path: Path) -> None:
    """A pack that says locale = "de" is used as written for German orders."""
    folder = tmp_path / "packs"
    write(
        folder,
        "warm.de.toml",
        '[pack]\ntone = "warm"\nlocale = "de"\n\n[lines]\n'
        "opening = [{ text = \"Moin aus {{ town }}! {{ items }} {{ 'ist' if one else 'sind' }} "
        'schon fast startklar.", town = true }]\n',
    )
    mailer = Mailer(merchant=merchant, tone="warm", pack_dirs=(folder,))
    story = mailer.context(load(ORDER_FILES[2]))["story"]
    assert (
        story.opening == "Moin aus Portland! Deine Platte und dein Buch sind schon fast startklar."
    )
    # An English order never reads the German pack.
    english = mailer.context({**load(ORDER_FILES[2]), "locale": "en"})["story"]
    assert "Moin" not in english.opening


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
            "no filter 'attr'",
        ),
        (
            '[pack]\ntone = "playful"\n[lines]\nopening = ["Hi {{ customer_password }}"]\n',
            "playful.toml: lines.opening[0]",
            "unknown variable 'customer_password'",
        ),
        ('[pack]\ntone = "playful"\n[lines]\nopenings = ["x"]\n', "lines.openings", "unknown slot"),
        ('[pack]\ntone = "cheeky"\n[lines]\nopening = ["x"]\n', "playful.toml", "tone"),
        ('[pack]\ntone = "playful"\n[lines]\nopening = []\n', "lines.opening", "non-empty"),
        ('[pack]\ntone = "playful"\n[lines]\nopening = [{ text = "x", mood = "sunny" }]\n',
         "lines.opening[0]", "unknown key 'mood'"),
        ('[pack]\ntone = "playful"\n[lines]\nopening = [{ text = "x", shipping = "teleport" }]\n',
         "lines.opening[0]", "shipping cannot be 'teleport'"),
        ('[pack]\ntone = "playful"\n[lines]\nopening = [{ text = "x", name = "yes" }]\n',
         "lines.opening[0]", "name cannot be 'yes'"),
        ('[pack]\ntone = "playful"\n[lines]\nclosing = ["Off it goes to {{ recipient }}."]\n',
         "lines.closing[0]", "add the condition gift = to_other"),
        ('[pack]\ntone = "playful"\n[lines]\nopening = ["Hi {{ name }}!"]\n',
         "lines.opening[0]", "add the condition name = true"),
        ('[pack]\ntone = "playful"\n[lines]\njourney = [{ text = "By {{ shipping_method }}.", '
         'shipping = "shipped" }]\n', "", ""),
        ('[pack]\ntone = "playful"\n[lines]\nopening = ["{{ items.price }}"]\n',
         "lines.opening[0]", "items has no 'price'"),
        ('[pack]\ntone = "playful"\n[words]\nboss = "Ada"\n[lines]\nopening = ["x"]\n',
         "playful.toml", "[words] may only set"),
    ],
    ids=["toml", "jinja-syntax", "sandbox-escape", "bound-method-escape", "attr-filter-escape",
         "unknown-variable", "unknown-slot", "unknown-tone", "empty-slot", "unknown-condition",
         "unknown-value", "boolean-fact", "recipient-needs-gift", "name-needs-name",
         "conditioned-fine", "unknown-items-form", "unknown-word"],
)  # fmt: skip
def test_broken_pack_names_file_and_entry(
    merchant: Merchant, tmp_path: Path, text: str, where: str, message: str
) -> None:
    """Every way a pack can break fails at load with the file and the entry."""
    folder = tmp_path / "broken"
    path = write(folder, "playful.toml", text)
    if not message:  # a line whose conditions guarantee what it prints loads
        Mailer(merchant=merchant, pack_dirs=(folder,))
        return
    with pytest.raises(PackError, match=re.escape(message)) as info:
        Mailer(merchant=merchant, pack_dirs=(folder,))
    assert str(path) in str(info.value)
    assert where in str(info.value)


@pytest.mark.parametrize(
    ("text", "one_record", "two_records"),
    [
        ("{{ agree('is', 'are') }}", "is", "are"),
        ("{{ agree('ready', 'ready', 'all ready', 'all ready') }}", "ready", "all ready"),
        ("{{ items }} {{ agree('waits', 'wait') }}.", "Your record waits.",
         "Your two records wait."),
        ("¡{{ items }} {{ agree('is', 'are') }} here!", "¡Your record is here!",
         "¡Your two records are here!"),
    ],
)  # fmt: skip
def test_agree_follows_the_things_bought(
    merchant: Merchant, tmp_path: Path, text: str, one_record: str, two_records: str
) -> None:
    """agree(one, many) and agree(m, f, m many, f many) print the form that agrees."""
    folder = tmp_path / "packs"
    write(folder, "playful.toml", f'[pack]\ntone = "playful"\n[lines]\nopening = ["{text}"]\n')
    mailer = Mailer(merchant=merchant, pack_dirs=(folder,))
    order = load(ORDER_FILES[0])
    opening = mailer.context(order)["story"].opening
    assert opening.lower() == one_record.lower()
    assert next(c for c in opening if c.isalpha()).isupper()  # after "¡" too
    order["lines"][0]["quantity"] = 2
    order["total"] = str(Decimal(order["total"]) + Decimal(order["lines"][0]["unit_price"]))
    assert mailer.context(order)["story"].opening.lower() == two_records.lower()


@pytest.mark.parametrize(
    "text",
    ["{{ agree('one') }}", "{{ agree('a', 'b', 'c') }}", "{{ agree(name, 'b') }}",
     "{{ agree }}", "{{ agree('a', 'b', x='c') }}", "{{ 'x' ~ agree }}"],
)  # fmt: skip
def test_agree_written_wrong_is_refused_at_load(
    merchant: Merchant, tmp_path: Path, text: str
) -> None:
    folder = tmp_path / "packs"
    path = write(
        folder, "playful.toml", f'[pack]\ntone = "playful"\n[lines]\nopening = ["{text}"]\n'
    )
    with pytest.raises(PackError, match="agree") as info:
        Mailer(merchant=merchant, pack_dirs=(folder,))
    assert str(path) in str(info.value)


def test_pack_lines_only_see_story_variables() -> None:
    """The variables a pack line may use are plain values, the items' words, and agree()."""
    assert all(
        isinstance(v, str | bool) for k, v in VARIABLES.items() if k not in ("items", "agree")
    )
    assert packs_module.sample_variables("en")["agree"]("is", "are") == "are"
    sample = packs_module.sample_variables("de")["items"]
    assert isinstance(sample, ItemsRef) and "Platten" in str(sample)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("formal", [False, True], ids=["informal", "formal"])
@pytest.mark.parametrize("tone", TONES)
def test_built_in_packs_load_in_every_language_and_register(
    tone: str, language: str, formal: bool
) -> None:
    """Each tone's pack loads in English and German, both registers, every slot covered
    for every order (loading checks it), nothing of the other register left."""
    pack = load_pack(tone, language, formal=formal)
    assert pack.language == language
    for slot in packs_module.SLOTS:
        assert pack.slot(slot), (tone, slot)
        for line in pack.slot(slot):
            assert "[" not in line.source and "|" not in line.source, line.where
            if language == "de" and formal:
                assert not re.search(r"\b(du|dich|dir|dein\w*)\b", line.source), line.where


VARIETY = {"playful": (8, 6), "warm": (6, 4)}


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("tone", sorted(VARIETY))
def test_packs_have_the_variety_they_promise(tone: str, language: str) -> None:
    """Playful: at least 8 openings, parcel journeys and closings, 6 subjects and
    preheaders; warm at least 6 and 4; in each language."""
    lines, small = VARIETY[tone]
    pack = load_pack(tone, language)
    shipped = [
        j for j in pack.slot("journey") if "standard" in j.conditions.get("shipping", {"standard"})
    ]
    assert len(pack.slot("opening")) >= lines
    assert len(shipped) >= lines
    assert len(pack.slot("closing")) >= lines
    assert len(pack.slot("subject")) >= small
    assert len(pack.slot("preheader")) >= small


def test_register_alternatives() -> None:
    """[du|Sie] picks the informal or the formal side."""
    text = "Danke, dass [du|Sie] bei uns bestellt [hast|haben]."
    assert in_register(text, formal=False) == "Danke, dass du bei uns bestellt hast."
    assert in_register(text, formal=True) == "Danke, dass Sie bei uns bestellt haben."


COMPLETE = """
[pack]
tone = "playful"

[lines]
subject = ["Order {{ order_number }}"]
preheader = ["A story, then the receipt."]
opening = ["We love {{ items.acc }}."]
history = ["Hello."]
journey = [
  { text = "We packed {{ items.acc }}.", shipping = "shipped" },
  { text = "We set {{ items.acc }} aside.", shipping = "pickup" },
]
gift = ["It is a gift."]
shipping = [
  { text = "By {{ shipping_method }}.", shipping = ["shipped", "pickup"] },
  { text = "By email.", shipping = "digital" },
  { text = "Nothing to ship.", shipping = "service" },
  { text = "On its way soon.", shipping = "unnamed" },
]
extras = ["Also: {{ extras }}."]
closing = ["Bye."]
"""


def test_a_slot_left_without_a_true_line_names_the_slot_and_the_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading checks every combination of facts: a pack with no journey for a
    download fails, naming the file, the slot and the combination."""
    write(tmp_path, "playful.toml", COMPLETE)
    monkeypatch.setattr(packs_module, "PACK_DIR", tmp_path)
    with pytest.raises(PackError) as info:
        load_pack("playful")
    message = str(info.value)
    assert "playful.toml: lines.journey" in message and "shipping=digital" in message
    fixed = COMPLETE.replace(
        '{ text = "We set {{ items.acc }} aside.", shipping = "pickup" },',
        '{ text = "We set {{ items.acc }} aside.", shipping = "not_shipped" },',
    )
    write(tmp_path, "playful.toml", fixed)
    assert load_pack("playful").slot("journey")


def test_a_gift_slot_is_checked_only_for_gifts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gift line must exist for every kind of gift, and for gifts only."""
    only_for_arthur = COMPLETE.replace(
        'gift = ["It is a gift."]', 'gift = [{ text = "For {{ recipient }}.", gift = "to_other" }]'
    ).replace('shipping = "pickup" },', 'shipping = "not_shipped" },')
    write(tmp_path, "playful.toml", only_for_arthur)
    monkeypatch.setattr(packs_module, "PACK_DIR", tmp_path)
    with pytest.raises(
        PackError, match=r"lines\.gift: no line is true of an order with gift=to_buyer"
    ):
        load_pack("playful")


def test_legacy_slot_names_still_load(merchant: Merchant, tmp_path: Path) -> None:
    """A pack written for the earlier slots (shipping_pickup...) reads as conditions."""
    folder = tmp_path / "old"
    write(
        folder,
        "playful.toml",
        '[pack]\ntone = "playful"\n[lines]\n'
        'shipping_pickup = ["Waiting for you at {{ shipping_method }}, behind the counter."]\n',
    )
    pickup = {**load(ORDER_FILES[4]), "locale": "en"}
    story = Mailer(merchant=merchant, pack_dirs=(folder,)).context(pickup)["story"]
    assert "behind the counter" in " ".join(story.paragraphs)
    shipped = Mailer(merchant=merchant, pack_dirs=(folder,)).context(load(ORDER_FILES[0]))["story"]
    assert "behind the counter" not in " ".join(shipped.paragraphs)


# -- plain lines, read without Jinja's parser -------------------------------------------------


def _through_jinja(source: str) -> tuple[str, frozenset[str]] | str:
    """What the parsed path makes of *source*: its dry run and names, or its error."""
    try:
        line = packs_module._parsed_line(source, "here")
    except PackError as exc:
        return str(exc)
    return line.render(packs_module.sample_variables()), line.names


def _through_plain(source: str) -> tuple[str, frozenset[str]] | None:
    plain = packs_module._plain_line(source)
    if plain is None:
        return None
    parts, names = plain
    line = packs_module.LineTemplate("here", None, tuple(parts), frozenset(names))
    return line.render(packs_module.sample_variables()), line.names


def test_every_built_in_line_reads_the_same_without_the_parser() -> None:
    """Every line the packs ship, in every language and register: where the short way
    takes it, it renders and names what Jinja's parse of it does; and it takes most."""
    import tomllib

    taken = total = 0
    for path in sorted(PACK_DIR.glob("*.toml")):
        if path.name.startswith("nouns."):
            continue
        for slot in tomllib.loads(path.read_text("utf-8")).get("lines", {}).values():
            for raw in slot:
                text = raw["text"] if isinstance(raw, dict) else raw
                for formal in (False, True):
                    source = " ".join(in_register(text, formal).split())
                    total += 1
                    plain = _through_plain(source)
                    if plain is not None:
                        taken += 1
                        assert plain == _through_jinja(source), (path.name, source)
    assert total > 1000
    assert taken > total * 0.6


_PIECES = st.sampled_from(
    [
        "{{ name }}",
        "{{ town }}",
        "{{ items.acc }}",
        "{{ items.nope }}",
        "{{ true }}",
        "{{ agree }}",
        "{{ nobody }}",
        "{{name}}",
        "{{  merchant  }}",
        "{{- name }}",
        "{{ name -}}",
        "{{",
        "}}",
        "{",
        "}",
        "{%",
        "%}",
        "{#",
        "#}",
        "%",
        "#",
        "-",
        " ",
        "a",
        "é",
        "{{ one }}",
        "{% if one %}x{% endif %}",
        "{# c #}",
        "{{ 'is' if one else 'are' }}",
        "\n",
        "\r\n",
        "\r",
    ]
)


@given(st.lists(_PIECES, max_size=8).map("".join))
@settings(max_examples=400, deadline=None)
def test_a_line_the_short_way_takes_reads_as_jinja_reads_it(source: str) -> None:
    plain = _through_plain(source)
    if plain is not None:
        assert plain == _through_jinja(source)
