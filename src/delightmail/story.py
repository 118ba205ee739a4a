"""The personalizer: a small, warm, absurd story about *this* order.

:func:`tell` is a pure function of the order, the merchant, the tone and the
locale: the same order always tells the same story (a retried job sends the
same email), while different orders pick different lines from the story
packs (see :mod:`delightmail.packs`). Every fact the story mentions (the
customer's name, the items, the merchant's town, the date, the shipping, the
customer's history) comes from the order; only the telling is playful.
"""

from __future__ import annotations

import gettext
import hashlib
import re
import struct
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date

from .checks import SUBJECT_MAX
from .i18n import babel_locale, has_catalog, translations
from .models import TONES, LineItem, Merchant, Order
from .packs import PACK_DIR, SLOTS, Line, LineTemplate, Pack, compile_line, load_pack

__all__ = ["MILESTONES", "TONES", "Story", "items_phrase", "tell"]

#: Order counts that earn a milestone line.
MILESTONES = frozenset({5, 10, 25, 50, 100, 250, 500, 1000})


# -- grammar: naming the things bought, per language ---------------------------

_NUMBER_WORDS = {
    "en": "zero one two three four five six seven eight nine ten eleven twelve",
    "de": "null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
}


def _count_word(n: int, language: str) -> str:
    words = _NUMBER_WORDS.get(language, _NUMBER_WORDS["en"]).split(" ")
    return words[n] if n < len(words) else str(n)


def _plural_en(noun: str) -> str:
    """A good-enough English plural: record → records, box → boxes, candy → candies."""
    head, sep, tail = noun.partition(" of ")
    if sep:  # "pack of sleeves" → "packs of sleeves"
        return _plural_en(head) + sep + tail
    lower = noun.lower()
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if lower.endswith("y") and len(noun) > 1 and lower[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


@dataclass(frozen=True)
class _Noun:
    one: str
    other: str
    gender: str  # "m", "f", "n" (languages with genders)


@cache
def _nouns(language: str) -> Mapping[str, _Noun]:
    """The kinds of things a language has words for: ``packs/nouns.<language>.toml``."""
    path = PACK_DIR / f"nouns.{language}.toml"
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        kind.lower(): _Noun(entry["one"], entry["other"], entry.get("gender", "n"))
        for kind, entry in data.items()
    }


@dataclass(frozen=True)
class _Items:
    """The things bought, named: with "your" and without."""

    mine: str
    bare: str
    one: bool


def _counts(lines: Sequence[LineItem]) -> tuple[dict[str, int], dict[str, str], bool]:
    """How many of each kind (by lower-cased kind), each kind's first spelling, and
    whether any quantity is fractional. One pass: an order may have 1,000 lines."""
    counts: dict[str, int] = {}
    spelling: dict[str, str] = {}
    fractional = False
    for line in lines:
        kind = line.kind or "thing"
        key = kind.lower()
        whole = line.whole_quantity
        if whole is None:
            fractional, whole = True, 1
        if key in counts:
            counts[key] += whole
        else:
            counts[key] = whole
            spelling[key] = kind
    return counts, spelling, fractional


def _items_en(lines: Sequence[LineItem]) -> _Items:
    counts, kinds, fractional = _counts(lines)
    total = sum(counts.values())
    if fractional:
        if len(lines) > 1:
            return _Items("your order", "your order", one=True)
        return _Items(f"your {lines[0].name}", lines[0].name, one=True)
    if total == 1:
        only = lines[0]
        noun = only.kind or only.name
        article = "an" if noun[:1].lower() in "aeiou" else "a"
        return _Items(f"your {noun}", f"{article} {noun}" if only.kind else noun, one=True)
    if len(lines) == 1 and not lines[0].kind:  # 42 of one unnamed kind
        words = f"{lines[0].name} ({_count_word(total, 'en')} of them)"
        return _Items(f"your {words}", words, one=False)
    if len(counts) > 3 or "thing" in counts:
        # Too many kinds to list: count them, and still name one.
        words = f"{_count_word(total, 'en')} things ({lines[0].name} among them)"
        return _Items(f"your {words}", words, one=False)
    parts: list[str] = []
    for key, n in counts.items():
        noun = kinds[key]
        if n == 1:
            article = "an" if noun[:1].lower() in "aeiou" else "a"
            parts.append(noun if not parts else f"{article} {noun}")
        else:
            parts.append(f"{_count_word(n, 'en')} {_plural_en(noun)}")
    joined = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    bare = joined
    if counts[next(iter(counts))] == 1:  # "record and a book" → "a record and a book"
        first = kinds[next(iter(counts))]
        bare = ("an " if first[:1].lower() in "aeiou" else "a ") + joined
    return _Items(f"your {joined}", bare, one=False)


_DE_POSSESSIVE = {"m": "dein", "f": "deine", "n": "dein", "pl": "deine"}
_DE_ARTICLE = {"m": "ein", "f": "eine", "n": "ein"}


def _items_de(lines: Sequence[LineItem]) -> _Items:
    """German, in the nominative: "deine drei Platten und dein T-Shirt"."""
    nouns = _nouns("de")
    counts, _, fractional = _counts(lines)
    total = sum(counts.values())
    known = all(kind in nouns for kind in counts)
    if fractional or (not known and total == 1):
        if len(lines) > 1:
            return _Items("deine Bestellung", "deine Bestellung", one=True)
        return _Items(f"„{lines[0].name}“", f"„{lines[0].name}“", one=True)
    if len(lines) == 1 and not known:
        words = f"„{lines[0].name}“ ({_count_word(total, 'de')} Stück)"
        return _Items(words, words, one=False)
    if not known or len(counts) > 3:
        words = f"{_count_word(total, 'de')} Sachen (darunter „{lines[0].name}“)"
        return _Items(f"deine {words}", words, one=False)
    mine: list[str] = []
    bare: list[str] = []
    for kind, n in counts.items():
        noun = nouns[kind]
        if n == 1:
            mine.append(f"{_DE_POSSESSIVE[noun.gender]} {noun.one}")
            bare.append(f"{_DE_ARTICLE[noun.gender]} {noun.one}")
        else:
            words = f"{_count_word(n, 'de')} {noun.other}"
            mine.append(f"{_DE_POSSESSIVE['pl']} {words}")
            bare.append(words)

    def join(parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} und {parts[-1]}"

    return _Items(join(mine), join(bare), one=total == 1)


_GRAMMARS = {"en": _items_en, "de": _items_de}


def items_phrase(lines: Sequence[LineItem], language: str = "en") -> str:
    """Name what was bought, with counts: "your record", "your three records and a T-shirt".

    A single item without a kind is called by its name; more than three kinds
    of things become "your 42 things".
    """
    return _GRAMMARS.get(language, _items_en)(lines).mine


# -- the story ---------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """What the templates tell about an order, ready to print."""

    tone: str
    name: str
    has_name: bool
    items: str
    day: str
    subject: str
    preheader: str
    paragraphs: tuple[str, ...]
    #: The opening line alone (the first paragraph may go on after it).
    opening: str = ""
    #: Where each line told came from, such as ``playful.toml: lines.opening[3]``.
    sources: tuple[str, ...] = ()


_SIXTEEN_WORDS = struct.Struct(">16I")


def _seeds(*parts: object) -> list[int]:
    """Sixteen independent 32-bit seeds from one hash of *parts*: one per story slot."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=64)
    return list(_SIXTEEN_WORDS.unpack(digest.digest()))


_YEAR = re.compile(r"(?:\s*'[^']*')?[\s,،.]*y+(?:\s*'[^']*'|[年년]|\s*г\.)?")


@cache
def _day_pattern(locale: str) -> str:
    """The locale's full date pattern without the year: "EEEE, d. MMMM" for German."""
    pattern = Locale.parse(locale).date_formats["full"].pattern
    return _YEAR.sub("", pattern).strip(" ,،.")


def _day(when: datetime, locale: str) -> str:
    """The weekday and date in *locale*'s words: "Sunday, November 22", "Sonntag, 22. November"."""
    return _format_day(when.date(), babel_locale(locale))


@lru_cache(maxsize=4096)
def _format_day(day: date, locale: str) -> str:
    # Many orders share a day: format each (day, locale) once.
    return format_date(day, _day_pattern(locale), locale=locale)


@lru_cache(maxsize=4096)
def _translated(text: str, where: str) -> LineTemplate:
    return compile_line(text, f"{where} (translated)")


def _render_line(line: Line, variables: Mapping[str, Any], tr: gettext.NullTranslations) -> str:
    template = line.template
    if line.translate:
        text = tr.gettext(line.source)
        if text != line.source:
            template = _translated(text, line.where)
    rendered = " ".join(template.render(variables).split())
    return rendered[:1].upper() + rendered[1:]


def _shipping_slot(order: Order) -> str:
    if order.shipping is None:
        return "shipping_digital"
    return f"shipping_{order.shipping.kind}"


def _customer_key(order: Order) -> str:
    customer = order.customer
    return str(customer.email or customer.full_name or f"order {order.number}").lower()


def _join(items: Sequence[str], tr: gettext.NullTranslations) -> str:
    if len(items) <= 1:
        return "".join(items)
    word = tr.gettext("and")
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _fit_subject(candidates: Iterable[str]) -> str:
    """The first candidate that fits an inbox preview, else the first one shortened."""
    first = None
    for subject in candidates:
        if len(subject) <= SUBJECT_MAX:
            return subject
        first = first or subject
    return (first or "")[: SUBJECT_MAX - 1].rsplit(" ", 1)[0] + "…"


def tell(
    order: Order,
    merchant: Merchant,
    locale: str = "en",
    tone: str | None = None,
    pack_dirs: Sequence[Path] = (),
    *,
    pack: Pack | None = None,
) -> Story:
    """The story of *order* as *merchant* tells it, in *tone* and *locale*.

    Deterministic: lines are chosen by seeds drawn from the merchant, the
    customer and the order number, never from the clock or a random
    generator. The opening moves on by a fixed step with each order a
    customer places, so two consecutive orders never open alike.

    :param tone: ``playful``, ``warm`` or ``plain``; by default the order's,
        then the merchant's.
    :param pack_dirs: folders with the merchant's own story packs.
    :param pack: the pack to use, already loaded (a :class:`~delightmail.Mailer` keeps them).
    """
    tone = tone or order.tone or merchant.voice.tone
    if pack is None:
        pack = load_pack(tone, locale, tuple(Path(p) for p in pack_dirs))
    tr = translations(locale)
    language = babel_locale(locale).split("_")[0]
    # Without a catalog the story is told in English, so English grammar too.
    if not has_catalog(locale):
        language = "en"
    items = _GRAMMARS.get(language, _items_en)(order.lines)
    voice = merchant.voice
    has_name = bool(order.customer.first_name)
    name = order.customer.first_name or tr.gettext("friend")
    count = order.customer.previous_orders + 1
    variables: dict[str, Any] = {
        "who": name,
        "name": name,
        "has_name": has_name,
        "items": items.mine,
        "items_bare": items.bare,
        "one": items.one,
        "it": tr.gettext("it") if items.one else tr.gettext("them"),
        "they": tr.gettext("it") if items.one else tr.gettext("they"),
        "town": merchant.city or tr.gettext("our little town"),
        "merchant": merchant.name,
        "team": voice.team or tr.gettext("the whole team"),
        "packer": voice.packer or tr.gettext("our packer"),
        "day": _day(order.local_placed_at(merchant.timezone), locale),
        "order_number": order.number,
        "nth": _count_word(count, language),
        "shipping_method": order.shipping.method if order.shipping else "",
        "extras": _join([*voice.extras, *order.extras], tr),
    }

    sources: list[str] = []
    seeds = _seeds(merchant.name, order.number)

    def line(slot: str, index: int | None = None) -> str | None:
        options = pack.slot(slot)
        if not options:
            return None
        if index is None:
            index = seeds[SLOTS.index(slot)]
        chosen = options[index % len(options)]
        sources.append(chosen.where)
        return _render_line(chosen, variables, tr)

    # The opening follows the customer, not the order: it moves on by a fixed
    # step (never a multiple of the number of openings) with each order they place.
    customer_seeds = _seeds(merchant.name, _customer_key(order))
    openings = len(pack.slot("opening"))
    step = 1 + customer_seeds[1] % max(openings - 1, 1)
    opening_index = customer_seeds[0] + order.customer.previous_orders * step

    if count == 1:
        history = line("history_first")
    elif count in MILESTONES:
        history = line("history_milestone")
    else:
        history = line("history_returning")
    opening = line("opening", opening_index)
    first = [opening, history]
    second = [line("journey"), line("gift") if order.is_gift else None, line(_shipping_slot(order))]
    third = [line("extras")] if variables["extras"] else []
    paragraphs = [" ".join(part for part in group if part) for group in (first, second, third)]
    paragraphs.append(line("closing") or "")

    options = pack.slot("subject")
    start = seeds[SLOTS.index("subject")] % len(options)
    # Lazily: the chosen subject almost always fits, the others are fallbacks.
    subjects = (_render_line(s, variables, tr) for s in (*options[start:], *options[:start]))
    return Story(
        tone=tone,
        name=name,
        has_name=has_name,
        items=items.mine,
        day=variables["day"],
        subject=_fit_subject(subjects),
        preheader=line("preheader") or "",
        paragraphs=tuple(p for p in paragraphs if p),
        opening=opening or "",
        sources=tuple(sources),
    )
