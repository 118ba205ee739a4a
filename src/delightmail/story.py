"""The personalizer: a small, warm, absurd story about *this* order.

:func:`tell` is a pure function of the order, the merchant, the tone and the
locale: the same order always tells the same story (a retried job sends the
same email), while different orders pick different lines from the story
packs (see :mod:`delightmail.packs`).

Only the telling is playful. Each slot's line is chosen among the lines
whose conditions hold for the order's :class:`~delightmail.facts.Facts`
(a pick-up is never shipped, a gift for Arthur is never "all yours", the
shop's "this morning" is the shop's morning); what the lines print comes
from the order (the items, by :mod:`delightmail.grammar`), the merchant
(its town, its people) and the two clocks (the shop's day for what happens
"here", the customer's for "your" day), every date in the email's language.

Stories are told in the languages with a grammar and packs here
(:data:`~delightmail.grammar.LANGUAGES`). An
email in another language (a catalog of yours, see
:func:`~delightmail.i18n.read_catalogs`) tells none: its subject is the
catalog's "Order %(number)s", with no story paragraphs, so that the whole
email stays in one language.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date

from . import i18n
from .columns import WIDE_LANGUAGES, char_width, preview_size
from .exceptions import PackError
from .facts import GROUPS, MILESTONES, Facts, facts_of
from .grammar import (
    LANGUAGES,
    ItemsRef,
    Mentions,
    NounPhrase,
    count_word,
    finish_line,
    grammar_of,
    items_phrase,
    join_words,
)
from .lexicon import content_pairs
from .limits import SUBJECT_MAX
from .models import TONES, Merchant, Order, localized
from .packs import Line, Pack, agree_for, load_pack

__all__ = ["MILESTONES", "TONES", "Story", "Told", "subject_variants", "tell", "tells_stories"]


@dataclass(frozen=True)
class Told:
    """One line as told: its slot, where it came from, and its words."""

    slot: str
    where: str
    text: str


@dataclass(frozen=True)
class Story:
    """What the templates tell about an order, ready to print."""

    #: The tone it is told in: ``playful``, ``warm`` or ``plain``.
    tone: str
    #: The first name, or ``""`` when the order has none (templates greet without one).
    name: str
    #: Whether the order has a first name to greet.
    has_name: bool
    #: The things bought, named in full ("your three records and a T-shirt").
    items: str
    #: The shop's weekday and date, in the email's language ("Sunday, November 22").
    day: str
    #: The subject line (also the context's ``subject``).
    subject: str
    #: The inbox preview text after the subject (also the context's ``preheader``).
    preheader: str
    #: The story's paragraphs, each one line of text, to print in turn.
    paragraphs: tuple[str, ...]
    #: The opening line alone (the first paragraph goes on after it).
    opening: str = ""
    #: Where each line told came from, such as ``playful.toml: lines.opening[3]``.
    sources: tuple[str, ...] = ()
    #: The language the story is written in.
    language: str = "en"
    #: Whether it addresses the customer formally (German Sie).
    formal: bool = False
    #: The gift's recipient (a first name) when it goes straight to them.
    recipient: str | None = None
    #: Every line told, subject and preheader first, with its slot.
    told: tuple[Told, ...] = ()
    #: What is true of the order (:class:`~delightmail.facts.Facts`): how it travels, whose it is...
    facts: Facts | None = None


def _seed(*parts: object) -> int:
    """A 64-bit seed from *parts*: the same parts, the same seed, on every machine."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=8)
    return int.from_bytes(digest.digest(), "big")


_YEAR = re.compile(r"(?:\s*'[^']*')?[\s,،.]*y+(?:\s*'[^']*'|[年년]|\s*г\.)?")


@cache
def _day_pattern(locale: str) -> str:
    """The locale's full date pattern without the year: "EEEE, d. MMMM" for German."""
    pattern = Locale.parse(locale).date_formats["full"].pattern
    return _YEAR.sub("", pattern).strip(" ,،.")


def _day(when: datetime, locale: str) -> str:
    """The weekday and date in *locale*'s words: "Sunday, November 22", "Sonntag, 22. November"."""
    return _format_day(when.date(), i18n.babel_locale(locale))


@lru_cache(maxsize=4096)
def _format_day(day: date, locale: str) -> str:
    # Many orders share a day: format each (day, locale) once.
    return format_date(day, _day_pattern(locale), locale=locale)


@lru_cache(maxsize=4096)
def _weekday(day: date, locale: str) -> str:
    return format_date(day, "EEEE", locale=locale)


def _customer_key(order: Order) -> str:
    customer = order.customer
    return str(customer.email or customer.full_name or f"order {order.number}").lower()


def _cut(subject: str, language: str = "en") -> str:
    """*subject* as an inbox preview shows it: whole, or cut at a word with "…" (Japanese,
    written without spaces and measured in columns, between two characters)."""
    if preview_size(subject, language) <= SUBJECT_MAX:
        return subject
    if language in WIDE_LANGUAGES:
        width, end = 0, 0
        for end, char in enumerate(subject):  # noqa: B007 - end is read after the loop
            width += char_width(char)
            if width > SUBJECT_MAX - 1:
                break
        return subject[:end] + "…"
    return subject[: SUBJECT_MAX - 1].rsplit(" ", 1)[0] + "…"


def _rotated(options: Sequence[Line], start: int) -> list[Line]:
    """*options* from the seeded one on, round to the one before it."""
    if not options:
        return []
    first = start % len(options)
    return [*options[first:], *options[:first]]


def _coprime_step(n: int, seed: int) -> int:
    """A step through *n* openings that visits each one before any repeats."""
    steps = [s for s in range(1, n) if math.gcd(s, n) == 1] or [1]
    return steps[seed % len(steps)]


def _render(line: Line, variables: Mapping[str, Any], mentions: Mentions) -> str:
    rendered = " ".join(line.template.render(variables).split())
    return _capitalized(finish_line(mentions.finish(rendered), mentions.language))


# What may stand before a sentence's first letter: "¡Tus discos…", "« Blue Train »…".
_OPENING = re.compile(r"^[\"„“‚‘(¡¿«\s\u00a0\u202f]*")


def _capitalized(text: str) -> str:
    """*text* with its first letter a capital, after any opening marks ("¡Hola")."""
    start = _OPENING.match(text)
    i = start.end() if start else 0
    return text[:i] + text[i : i + 1].upper() + text[i + 1 :]


def _variables(
    order: Order, merchant: Merchant, facts: Facts, pack: Pack, locale: str, language: str
) -> dict[str, Any]:
    voice = merchant.voice
    text_locale = i18n.text_locale(locale, language)
    today = _day(facts.shop_time, text_locale)
    # The merchant's extras come in every parcel: a download has none. Like the order's
    # own extras, they are the shop's words (the team and the packer fall back to the
    # pack's own words in a language the merchant has not written them in).
    extras = (
        [localized(e, text_locale) or "" for e in voice.extras]
        if facts.shipping in GROUPS["shipping"]["physical"]
        else []
    )
    return {
        "name": facts.first_name or "",
        "who": facts.first_name or "",
        "town": localized(merchant.city, text_locale) or "",
        "merchant": merchant.name,
        "team": localized(voice.team, text_locale, exact=True) or pack.words.get("team", ""),
        "packer": localized(voice.packer, text_locale, exact=True) or pack.words.get("packer", ""),
        "day": today,
        "today": today,
        "weekday": _weekday(facts.shop_time.date(), text_locale),
        "your_day": _day(facts.customer_time, text_locale),
        "your_weekday": _weekday(facts.customer_time.date(), text_locale),
        "order_number": order.number,
        "nth": count_word(facts.count, language),
        "shipping_method": _method(order, text_locale),
        "extras": join_words([*extras, *order.extras], language),
        "recipient": facts.recipient or "",
        "destination": facts.destination_town or "",
        "note": facts.note_text or "",
        "engraving": facts.engraving_text or "",
    }


def _method(order: Order, locale: str) -> str:
    """How the order travels, in words: the shipping's method, or where a pick-up waits."""
    shipping = order.shipping
    if shipping is None:
        return ""
    if shipping.method is None and shipping.location is not None:
        return ", ".join(shipping.location.lines(locale, include_country=False)[:2])
    return shipping.method or ""


# Where a line prints a variable: in a line's own phrases, a break.
_EXPRESSION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


@lru_cache(maxsize=8192)
def _line_pairs(
    source: str, language: str, team: str | None, packer: str | None
) -> frozenset[tuple[str, str]]:
    """The phrases a line says of its own: its text, with the pack's own words for the
    team and the packer (when the merchant gives none); what the order fills in breaks
    a phrase, for the order's names and things may well come twice."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(0)[2:-2].strip()
        if name == "team" and team:
            return f" {team} "
        if name == "packer" and packer:
            return f" {packer} "
        if name.startswith("items"):  # "you chose {{ items.acc }}" twice is said twice
            return " _items "
        return " \u2063 "

    return frozenset(content_pairs(_EXPRESSION.sub(fill, source), language))


@dataclass(frozen=True)
class _Telling:
    """What every line of one story is told with."""

    tone: str
    language: str
    formal: bool
    pack: Pack
    facts: Facts
    #: The things that travel, when some do: what the body's lines speak of.
    phrase: NounPhrase
    #: Everything bought: what the subject, the preheader and the opening speak of.
    goods: NounPhrase
    #: What a line is told with, by the phrase it speaks of (the parcel's, the goods').
    variables: dict[str, Any]
    goods_variables: dict[str, Any]

    def render(self, line: Line, mentions: Mentions) -> str:
        variables = self.variables if mentions.phrase is self.phrase else self.goods_variables
        return _render(line, {**variables, "items": ItemsRef(mentions)}, mentions)

    def of_goods(self) -> Mentions:
        """Mentions of everything bought (the subject's, the preheader's, the opening's)."""
        return Mentions(self.language, self.goods)


def _telling(
    order: Order,
    merchant: Merchant,
    locale: str,
    tone: str | None,
    pack_dirs: Sequence[Path],
    pack: Pack | None,
    catalogs: i18n.Catalogs | None = None,
) -> _Telling:
    tone = tone or order.tone or merchant.voice.tone
    language = i18n.text_language(locale, catalogs)
    formal = merchant.voice.formal(tone) and i18n.has_formal(locale, catalogs)
    if pack is None:
        pack = load_pack(tone, language, tuple(Path(p) for p in pack_dirs), formal=formal)
    facts = facts_of(order, merchant)
    # The body speaks of the things that travel, when some do (a record is packed, not
    # the EP that comes by email beside it); the subject and the opening, of all of it.
    phrase = items_phrase(order.parcel, language, formal=formal)
    goods = (
        phrase
        if len(order.parcel) == len(order.goods)
        else items_phrase(order.goods, language, formal=formal)
    )
    variables = _variables(order, merchant, facts, pack, locale, language)
    told_with = {**variables, **_agreeing(phrase)}
    return _Telling(
        tone=tone,
        language=language,
        formal=formal,
        pack=pack,
        facts=facts,
        phrase=phrase,
        goods=goods,
        variables=told_with,
        goods_variables=told_with if goods is phrase else {**variables, **_agreeing(goods)},
    )


def _agreeing(phrase: NounPhrase) -> dict[str, Any]:
    """What verbs and adjectives agree with: "is" or "are", "prêt" or "prêtes"."""
    one, fem = not phrase.plural, phrase.gender == "f"
    return {"one": one, "fem": fem, "agree": agree_for(one, fem)}


def tells_stories(language: str) -> bool:
    """Whether stories are told in *language* (it has a grammar and packs here)."""
    return language in LANGUAGES


def _untold(
    order: Order, merchant: Merchant, locale: str, tone: str, catalogs: i18n.Catalogs | None
) -> Story:
    """The "story" of an email in a language no story is told in: the catalog's subject,
    no paragraphs, every word in the catalog's language."""
    language = i18n.text_language(locale, catalogs)
    formal = merchant.voice.formal(tone) and i18n.has_formal(locale, catalogs)
    words = i18n.translations(i18n.catalog_key(locale, formal, catalogs))
    facts = facts_of(order, merchant)
    subject = _cut(words.gettext("Order %(number)s") % {"number": order.number}, language)
    told = (Told("subject", "catalog: Order %(number)s", subject),)
    return Story(
        tone=tone,
        name=facts.first_name or "",
        has_name=facts.name,
        items="",
        day=_day(facts.shop_time, i18n.text_locale(locale, language)),
        subject=subject,
        preheader="",
        paragraphs=(),
        sources=tuple(t.where for t in told),
        language=language,
        formal=formal,
        recipient=facts.recipient,
        told=told,
        facts=facts,
    )


def subject_variants(
    order: Order,
    merchant: Merchant,
    locale: str = "en",
    tone: str | None = None,
    *,
    pack: Pack | None = None,
    catalogs: i18n.Catalogs | None = None,
) -> list[Told]:
    """Every subject line true of *order*, as it would read: what a linter checks fits."""
    if not order.confirmed or not tells_stories(i18n.text_language(locale, catalogs)):
        tone = tone or order.tone or merchant.voice.tone
        return list(_untold(order, merchant, locale, tone, catalogs).told)
    telling = _telling(order, merchant, locale, tone, (), pack, catalogs)
    return [
        Told("subject", line.where, telling.render(line, telling.of_goods()))
        for line in telling.pack.eligible("subject", telling.facts)
    ]


def tell(
    order: Order,
    merchant: Merchant,
    locale: str = "en",
    tone: str | None = None,
    pack_dirs: Sequence[Path] = (),
    *,
    pack: Pack | None = None,
    catalogs: i18n.Catalogs | None = None,
) -> Story:
    """The story of *order* as *merchant* tells it, in *tone* and *locale*.

    Deterministic: lines are chosen by seeds drawn from the merchant, the
    customer and the order number, never from the clock or a random
    generator. A customer's opening moves on with each order they place and
    goes through every opening before one repeats.

    :param tone: ``playful``, ``warm`` or ``plain``; by default the order's,
        then the merchant's.
    :param pack_dirs: folders with the merchant's own story packs.
    :param pack: the pack to use, already loaded (a :class:`~delightmail.Mailer` keeps them).
    :param catalogs: catalogs of yours (:func:`~delightmail.i18n.read_catalogs`): they
        decide the email's language, as the built-in ones do. In a language no
        story is told in, the story is only the catalog's subject line.
    """
    if not order.confirmed or not tells_stories(i18n.text_language(locale, catalogs)):
        # A story is told of an order to confirm: one refunded or cancelled (rendered
        # because the caller asked) gets its status said plainly, and no story.
        return _untold(order, merchant, locale, tone or order.tone or merchant.voice.tone, catalogs)
    telling = _telling(order, merchant, locale, tone, pack_dirs, pack, catalogs)
    tone, language, formal = telling.tone, telling.language, telling.formal
    pack, facts, phrase, variables = telling.pack, telling.facts, telling.phrase, telling.variables

    told: list[Told] = []
    said: set[str] = set()
    said_pairs: set[tuple[str, str]] = set()
    # A pack's own words (its default team) may not come twice; the merchant's may.
    # (A merchant's words not written in this language are the pack's here too.)
    own_team, own_packer = pack.words.get("team"), pack.words.get("packer")
    team = own_team if variables["team"] == own_team else None
    packer = own_packer if variables["packer"] == own_packer else None
    order_seed = (merchant.name, order.number)

    def choose(slot: str, mentions: Mentions, index: int | None = None) -> str | None:
        """The seeded line of *slot*, or the next one that says no phrase said already."""
        options = pack.eligible(slot, facts)
        if not options:
            return None
        start = _seed(*order_seed, slot) if index is None else index
        for k in range(len(options)):
            chosen = options[(start + k) % len(options)]
            pairs = _line_pairs(chosen.source, language, team, packer)
            if chosen.source not in said and not pairs & said_pairs:
                break
        said.add(chosen.source)
        said_pairs.update(pairs)
        text = telling.render(chosen, mentions)
        told.append(Told(slot, chosen.where, text))
        return text

    # The subject: the seeded line, or the next that fits an inbox preview (the
    # seeded one cut if none does), each told afresh. Kept as the line said it,
    # so that a linter sees a line too long to fit.
    subject_told: Told | None = None
    for line in _rotated(pack.eligible("subject", facts), _seed(*order_seed, "subject")):
        candidate = Told("subject", line.where, telling.render(line, telling.of_goods()))
        subject_told = subject_told or candidate
        if preview_size(candidate.text, language) <= SUBJECT_MAX:
            subject_told = candidate
            break
    if subject_told is None:  # pragma: no cover - coverage guarantees a subject
        raise PackError(f"no subject for {facts.describe()}")
    subject = _cut(subject_told.text, language)
    told.append(subject_told)

    # The opening speaks of everything bought; the lines after it, of what travels. Where
    # the two differ, the body names the parcel afresh: "them" would say the download too.
    body = Mentions(language, phrase)
    first = body if telling.goods is phrase else telling.of_goods()
    # The opening follows the customer, not the order.
    openings = len(pack.eligible("opening", facts))
    customer_seed = _seed(merchant.name, _customer_key(order))
    step = _coprime_step(openings, customer_seed >> 32)
    opening_index = customer_seed + order.customer.previous_orders * step
    opening = choose("opening", first, opening_index)
    history = choose("history", first)
    body.paragraph = 1
    second = [choose("journey", body), choose("gift", body), choose("shipping", body)]
    body.paragraph = 2
    third = [choose("extras", body)]
    body.paragraph = 3
    closing = choose("closing", body)
    groups = ([opening, history], second, third, [closing])
    gap = grammar_of(language).sentence_gap
    paragraphs = tuple(p for p in (gap.join(x for x in group if x) for group in groups) if p)

    # The preheader sits beside the subject in the inbox and before the first
    # sentence in some clients: it says neither again, facts and all ("a note
    # from Portland" twice is said twice).
    beside = set(content_pairs(subject, language)) | set(content_pairs(opening or "", language))
    preheaders = (
        Told("preheader", line.where, telling.render(line, telling.of_goods()))
        for line in _rotated(pack.eligible("preheader", facts), _seed(*order_seed, "preheader"))
    )
    first_preheader = next(preheaders, None)
    preheader = next(
        (t for t in itertools.chain([first_preheader], preheaders)
         if t is not None and not set(content_pairs(t.text, language)) & beside),
        first_preheader,
    )  # fmt: skip
    if preheader is not None:
        told.insert(1, preheader)
    return Story(
        tone=tone,
        name=facts.first_name or "",
        has_name=facts.name,
        items=telling.goods.full["nom"],
        day=variables["today"],
        subject=subject,
        preheader=preheader.text if preheader is not None else "",
        paragraphs=paragraphs,
        opening=opening or "",
        sources=tuple(t.where for t in told),
        language=language,
        formal=formal,
        recipient=facts.recipient,
        told=tuple(told),
        facts=facts,
    )
