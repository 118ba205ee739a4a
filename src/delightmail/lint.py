"""The copy linter: reads every email a pack can tell, sentence by sentence.

:func:`lint_packs` renders every tone and language of the story packs (the
built-in ones, or a merchant's over them) across a generated matrix of
orders (:func:`order_matrix`: every shipping kind, parcels without a named
method, downloads, services and parcels with a download beside them, paid
and pending, gifts to the buyer and to someone else, with and without a
name, 1 to 40 lines of mixed kinds, first, returning and milestone orders,
every weekday, midnight in the shop's zone against the customer's) and
reports, with the order and the sentence:

- a sentence, a phrase or the long items phrase said twice in one email, or
  more than one thank-you in its body;
- a contradiction with the order: words of shipping or packing for a
  pick-up or a download, words of email for an order that travels whole, a
  gift to someone else told as the buyer's own, a time of day or a weekday
  the shop's clock does not show, a first order told as returning and the
  reverse;
- words of another language, or the wrong form of address (German "du" in
  a formal email, "Sie" in an informal one);
- a subject over 78 characters, or a preheader that repeats the subject or
  the first sentence.

The word lists are data (:mod:`delightmail.lexicon`). Facts of the order
(names, products, towns, the merchant's own words) are masked first, so only
the copy is judged.

>>> report = lint_packs()  # doctest: +SKIP
>>> report.ok, len(report.findings)  # doctest: +SKIP
(True, 0)
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from . import i18n
from .columns import WIDE_LANGUAGES, is_wide, preview_size
from .facts import GROUPS, Facts
from .grammar import GRAMMARS, items_phrase, plural_en
from .grammar._base import nouns_data
from .lexicon import (
    content_pairs,
    foreign_words,
    in_own_script,
    lexicon,
    sentences,
    shares_phrase,
    words,
)
from .limits import SUBJECT_MAX
from .models import TONES, Merchant, Order, localized, validate_order
from .packs import Pack
from .rendered import RenderedEmail
from .rendering import Mailer
from .story import Story, subject_variants

__all__ = [
    "CopyFinding",
    "CopyReport",
    "lint_email",
    "lint_packs",
    "order_matrix",
]

#: Locales the packs are read in: each language with a grammar (in both
#: registers where it has two), and British English beside American.
LOCALES = tuple(dict.fromkeys(["en_US", "en_GB", *(g.lint_locale for g in GRAMMARS.values())]))
_MASK = "\u2063"  # an invisible separator: never part of a word
# The marks and isolates that keep a name's direction in right-to-left text: no
# part of what a sentence says (a name wrapped over two lines is isolated twice).
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u2066\u2067\u2068\u2069"))


@dataclass(frozen=True)
class CopyFinding:
    """One thing the linter found in one email."""

    check: str
    message: str
    sentence: str
    #: The slot and pack line the sentence came from, when it came from a pack.
    slot: str = ""
    where: str = ""
    order: str = ""
    #: The order's facts (``shipping=pickup, gift=no, ...``) and how it was told.
    facts: str = ""
    tone: str = ""
    locale: str = ""
    formal: bool = False

    def __str__(self) -> str:
        source = self.where or (f"the template ({self.slot})" if self.slot else "the template")
        register = ", formal" if self.formal else ""
        return (
            f"{source}: {self.check}: {self.message}\n"
            f"    “{self.sentence}”\n"
            f"    order {self.order} ({self.tone}, {self.locale}{register}): {self.facts}"
        )


@dataclass
class CopyReport:
    """Every finding over every email read."""

    findings: list[CopyFinding] = field(default_factory=list)
    emails: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def by_check(self) -> Counter[str]:
        return Counter(f.check for f in self.findings)


# -- masking the order's own facts ----------------------------------------------------------


def _fact_strings(order: Order, merchant: Merchant, story: Story) -> list[str]:
    """Every string of the order's and the merchant's own that may appear in an email."""
    out: list[str | None] = [order.number, order.note, order.gift_message, merchant.name]
    # The customer's own texts, sentence by sentence too: the text part sets them
    # beside a heading of ours, and a sentence of theirs is never our copy.
    out += [s for text in (order.note, order.gift_message) if text for s in sentences(text)]
    out += _compound_nouns(story.language)
    out += [story.name, story.recipient]
    if len(order.parcel) != len(order.goods):
        # The opening names everything bought and the body the parcel, afresh: the
        # parcel's words in both ("two posters") are the order's, not a phrase said again.
        parcel = items_phrase(order.parcel, story.language, formal=story.formal)
        out += [*parcel.full.values(), *parcel.bare.values()]
    customer = order.customer
    out += [customer.first_name, customer.last_name, customer.full_name, customer.email]
    for line in order.lines:
        out += [line.name, line.variant, line.sku]
        if line.kind:
            out += [line.kind, plural_en(line.kind)]
        out += [p for prop in line.properties for p in (prop.name, prop.value)]
    for address in (order.shipping_address, order.billing_address):
        if address is not None:
            out += [address.name, address.company, address.address1, address.address2]
            out += [address.city, address.region, address.postal_code, address.phone]
            out += [address.country, address.country_name(story.language)]
    if order.shipping is not None:
        out.append(order.shipping.method)
    out += [t.title for t in order.taxes] + [d.code for d in order.discounts]
    out += [d.title for d in order.discounts] + list(order.extras)
    if order.payment is not None:
        out += [order.payment.method, order.payment.card_brand]
    voice, signer = merchant.voice, merchant.signer
    localizable: list[Any] = [merchant.city, voice.team, voice.packer, signer.role, *voice.extras]
    for value in localizable:
        if isinstance(value, dict):
            out += list(value.values())
        else:
            out.append(value)
    out += [signer.name, signer.email, merchant.support_email, merchant.support_phone]
    if merchant.website is not None:
        out += [str(merchant.website), merchant.website.host]
    # Longest first, so that "Kind of Blue" goes before "Blue".
    return sorted({s for s in out if s and len(s) > 1}, key=len, reverse=True)


@cache
def _compound_nouns(language: str) -> tuple[str, ...]:
    """The names of kinds of things in *language* that are more than one word
    ("חולצת הטי", "Packung Innenhüllen"): said again, each is one name, not a phrase."""
    return tuple(
        value
        for entry in nouns_data(language).values()
        for key in ("one", "other", "definite", "definite_other")
        if isinstance(value := entry.get(key), str) and " " in value
    )


def _masker(facts: Sequence[str]) -> Any:
    """A function that masks each of *facts* (longest first) where it stands as
    whole words: "Ida" is masked, "Friday" is not."""
    folded = [f.lower() for f in facts]
    done: dict[str, str] = {}

    def mask(text: str) -> str:
        if text in done:
            return done[text]
        original = text
        text = text.translate(_BIDI)
        lower = text.lower()
        if len(lower) != len(text):  # a rare letter changes length in lower case
            lower = text
        for fact in folded:
            if fact not in lower:
                continue
            at = lower.find(fact)
            while at != -1:
                end = at + len(fact)
                if (at == 0 or not _joins(lower[at - 1], lower[at])) and (
                    end == len(lower) or not _joins(lower[end - 1], lower[end])
                ):
                    text = text[:at] + _MASK + text[end:]
                    lower = lower[:at] + _MASK + lower[end:]
                    at = lower.find(fact, at + 1)
                else:
                    at = lower.find(fact, at + 1)
        done[original] = text
        return text

    return mask


def _joins(a: str, b: str) -> bool:
    """Whether *a* and *b* belong to one word: letters or digits side by side, where
    neither is a wide (Chinese, Japanese) character, which needs no space to stand
    apart ("Sam様", 「Blue Train」を)."""
    return a.isalnum() and b.isalnum() and not is_wide(a) and not is_wide(b)


# -- the checks -------------------------------------------------------------------------------

_CONTRADICTIONS: Sequence[tuple[str, str, Any]] = (
    ("shipping", "words of shipping for an order that does not travel",
     lambda f: f.shipping in GROUPS["shipping"]["not_shipped"]),
    ("packing", "words of packing a parcel for an order with no parcel",
     lambda f: f.shipping in GROUPS["shipping"]["not_shipped"]),
    ("by_email", "words of email for an order that travels whole",
     lambda f: f.shipping in GROUPS["shipping"]["physical"] and not f.mixed),
    ("yours", "a gift told as the buyer's own", lambda f: f.gift != "no"),
    ("to_you", "a gift for someone else told as coming to the buyer",
     lambda f: f.gift == "to_other"),
    ("returning", "a first order told as a returning customer's", lambda f: f.history == "first"),
    ("first", "a returning customer told as new", lambda f: f.history != "first"),
)  # fmt: skip


@cache
def _weekday_names(language: str) -> Mapping[str, str]:
    """The weekday names of *language*, lower case, to the weekday they name."""
    monday = datetime(2026, 11, 16)
    names = {}
    for offset, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    ):
        names[format_date(monday + timedelta(days=offset), "EEEE", locale=language).casefold()] = (
            name
        )
    return names


@dataclass
class _Reader:
    """Reads one email: what it says against what is true of its order."""

    story: Story
    facts: Facts
    mask: Any
    language: str
    town: str | None
    base: CopyFinding
    found: list[CopyFinding] = field(default_factory=list)

    def report(
        self, check: str, message: str, sentence: str, slot: str = "", where: str = ""
    ) -> None:
        self.found.append(
            CopyFinding(
                check=check,
                message=message,
                sentence=sentence,
                slot=slot,
                where=where,
                order=self.base.order,
                facts=self.base.facts,
                tone=self.base.tone,
                locale=self.base.locale,
                formal=self.base.formal,
            )
        )

    def contradictions(self, sentence: str, slot: str, where: str) -> None:
        lex = lexicon(self.language)
        masked = words(self.mask(sentence))
        for name, message, applies in _CONTRADICTIONS:
            if applies(self.facts):
                hits = lex.find(name, masked)
                if hits:
                    self.report(
                        "contradiction", f"{message} ({', '.join(hits)})", sentence, slot, where
                    )
        for phrase, when in lex.times_in(masked):
            if self.facts.time not in when:
                self.report(
                    "contradiction",
                    f"“{phrase}” in the shop's {self.facts.time}",
                    sentence,
                    slot,
                    where,
                )
        days = _weekday_names(self.language)
        shop = _weekday_of(self.facts.shop_time)
        customer = _weekday_of(self.facts.customer_time)
        for word in masked:
            day = days.get(word)
            if day is None:
                continue
            here = self.town is not None and self.town.casefold() in sentence.casefold()
            if day != shop and (here or day != customer):
                self.report(
                    "contradiction",
                    f"“{word}” is not the shop's day ({shop})"
                    + ("" if here else f" or the customer's ({customer})"),
                    sentence,
                    slot,
                    where,
                )

    def language_of(self, sentence: str, slot: str, where: str) -> None:
        masked = self.mask(sentence)
        foreign = sorted({w for w in words(masked) if w in foreign_words(self.language)})
        if not in_own_script(masked, self.language):
            foreign.append("letters of another script")
        if foreign:
            self.report(
                "language", f"not {self.language}: {', '.join(foreign)}", sentence, slot, where
            )
        register = lexicon(self.language).register
        if not register:
            return
        # A language with one register says "always" which (Japanese: polite throughout).
        if self.story.formal or "formal" in register.get("always", frozenset()):
            wrong = {w for w in words(masked) if w in register.get("informal", frozenset())}
            if wrong:
                self.report(
                    "register",
                    f"informal {', '.join(sorted(wrong))} in a formal email",
                    sentence,
                    slot,
                    where,
                )
            return
        formal = register.get("formal", frozenset())
        raw = re.findall(r"\w+", masked)
        wrong = {w for w in raw[1:] if w in formal}
        if raw and raw[0] == "Sie":
            wrong.add("Sie (starting a sentence, it reads as the formal you)")
        if wrong:
            self.report(
                "register",
                f"formal {', '.join(sorted(wrong))} in an informal email",
                sentence,
                slot,
                where,
            )


def _weekday_of(when: datetime) -> str:
    return ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
        when.weekday()
    ]


def _unwrapped(block: str) -> str:
    """A wrapped paragraph as one line: its lines joined by a space, or by nothing
    where the break fell between wide characters (Japanese has no spaces to break at)."""
    out = ""
    for line in block.split():
        if out and not (is_wide(out[-1]) or is_wide(line[0])):
            out += " "
        out += line
    return out


def _prose(text: str, story_sentences: set[str]) -> list[str]:
    """The template's own sentences in a text part: its prose, not its tables."""
    out = []
    told = {s.translate(_BIDI) for s in story_sentences}
    for block in text.split("\n\n"):
        joined = _unwrapped(block)
        if not joined or joined.isupper() or "----" in block:
            continue
        for sentence in sentences(joined):
            if sentence.translate(_BIDI) not in told and len(words(sentence)) >= 4:
                out.append(sentence)
    return out


def lint_email(
    email: RenderedEmail,
    story: Story,
    order: Order,
    merchant: Merchant,
    locale: str,
    pack: Pack | None = None,
) -> list[CopyFinding]:
    """Everything the linter finds in one rendered *email* of *order*.

    :param pack: the pack the story was told from; with it, every subject line
        the order could have had is checked to fit, not only the one told.
    """
    facts = story.facts
    if facts is None:  # pragma: no cover - tell() always sets them
        raise ValueError("the story carries no facts")
    mask = _masker(_fact_strings(order, merchant, story))
    language = story.language
    town = localized(merchant.city, i18n.story_locale(locale))
    reader = _Reader(
        story,
        facts,
        mask,
        language,
        town,
        CopyFinding("", "", "", order=order.number, facts=facts.describe(), tone=story.tone,
                    locale=locale, formal=story.formal),
    )  # fmt: skip

    # Line by line: what each pack line says against the order.
    body: list[tuple[str, str, str]] = []
    for told in story.told:
        for sentence in sentences(told.text):
            reader.contradictions(sentence, told.slot, told.where)
            reader.language_of(sentence, told.slot, told.where)
            if told.slot not in ("subject", "preheader"):
                body.append((sentence, told.slot, told.where))
    told_by_slot = {t.slot: t for t in story.told}

    subjects = [t for t in story.told if t.slot == "subject"]
    if pack is not None:
        subjects = subject_variants(order, merchant, locale, story.tone, pack=pack)
    for subject in subjects:
        # Inbox previews show half as many wide characters: Japanese is measured in columns.
        size = preview_size(subject.text, language)
        if size > SUBJECT_MAX:
            unit = "columns" if language in WIDE_LANGUAGES else "characters"
            reader.report(
                "subject",
                f"{size} {unit}, over {SUBJECT_MAX}",
                subject.text,
                "subject",
                subject.where,
            )
    preheader = told_by_slot.get("preheader")
    if preheader is not None:
        first = body[0][0] if body else ""
        # Unmasked: "a note from Portland" twice is said twice, facts and all.
        masked = mask(preheader.text)
        for other, what in ((email.subject, "the subject"), (first, "the first sentence")):
            if _same_words(preheader.text, other) or shares_phrase(preheader.text, other, language):
                reader.report(
                    "preheader",
                    f"repeats {what}: “{other}”",
                    preheader.text,
                    "preheader",
                    preheader.where,
                )
        pairs = Counter(content_pairs(masked, language))
        twice = [" ".join(p) for p, n in pairs.items() if n > 1]
        if twice:
            reader.report(
                "preheader",
                f"says “{twice[0]}” twice",
                preheader.text,
                "preheader",
                preheader.where,
            )

    # The body as a whole: the story and the template's fixed lines together.
    # As the text part gives them: a narrow no-break space (French "cadeau :") read as a space.
    story_sentences = {" ".join(s.split()) for s, _, _ in body}
    template = [(s, "", "") for s in _prose(email.text, story_sentences)]
    everything = body + template
    _repetitions(reader, everything, language, mask)
    for sentence, slot, where in template:
        reader.language_of(sentence, slot, where)
    thanks = [
        (s, slot, where)
        for s, slot, where in everything
        if lexicon(language).find("thanks", mask(s))
    ]
    if len(thanks) > 1:
        sentence, slot, where = thanks[1]
        reader.report("repetition", f"{len(thanks)} thank-yous in one email", sentence, slot, where)
    full = story.items
    told_body = " ".join(s for s, _, _ in body)
    if full and told_body.count(full) > 1 and len(words(full)) > 3:
        reader.report("repetition", f"the items phrase twice: “{full}”", told_body, "", "")
    return reader.found


def _same_words(a: str, b: str) -> bool:
    """Whether one says all the words of the other, in order ("Order 5 is in")."""
    x, y = " ".join(words(a)), " ".join(words(b))
    return bool(x and y) and (x in y or y in x)


def _repetitions(
    reader: _Reader, everything: Sequence[tuple[str, str, str]], language: str, mask: Any
) -> None:
    seen: dict[str, tuple[str, str, str]] = {}
    owner: dict[tuple[str, str], str] = {}
    for sentence, slot, where in everything:
        key = " ".join(words(sentence))
        if key in seen:
            reader.report("repetition", "the same sentence twice", sentence, slot, where)
            continue
        seen[key] = (sentence, slot, where)
        for pair in content_pairs(mask(sentence), language):
            if pair in owner and owner[pair] != sentence:
                reader.report(
                    "repetition",
                    f"“{' '.join(pair)}” again (first in “{owner[pair]}”)",
                    sentence,
                    slot,
                    where,
                )
            owner.setdefault(pair, sentence)


# -- the matrix of orders ------------------------------------------------------------------

_FIRST = [
    "Sam",
    "Priya",
    "Jörg",
    "Eleanor",
    "Ana",
    "Kwame",
    "Mei",
    "Olu",
    "Zoë",
    "Anna-Katharina",
    "Bartholomew",
]
_LAST = ["Rivera", "Natarajan", "Schäfer", "Whitfield", "Costa", "Mensah", "Lin", "Adeyemi"]
_RECIPIENTS = ["Arthur Whitfield", "Mrs Ida Brandt", "Tomás Ortega", "Lena Vogel"]
_TOWNS = ["Bristol", "Köln", "Osaka", "Portland", "Wien", None]
_PRODUCTS = [
    ("Kind of Blue", "record"), ("Blue Train", "record"), ("The Hobbit", "book"),
    ("Band tee", "T-shirt"), ("Spin Cycle mug", "mug"), ("Tour poster", "poster"),
    ("Demo tape", "cassette"), ("Mystery item", None), ("Kazoo deluxe", "kazoo"),
    ("Signed hoodie", "hoodie"), ("Gift card", "gift card"), ("Stylus brush", "brush"),
    ("Studio headphones", "headphones"), ("Live at Roundhouse", "EP"), ("Tour tees", "T-Shirts"),
    ("Wool Socks", None), ("Beeswax candle", "candle"), ("Tip", "tip"),
]  # fmt: skip
_SHIPPING: Sequence[dict[str, str] | None] = (
    {"method": "USPS Ground", "amount": "5.00", "kind": "standard"},
    {"method": "FedEx Overnight", "amount": "25.00", "kind": "express"},
    {"method": "Bike courier", "amount": "8.00", "kind": "local_delivery"},
    {"method": "Shop counter, Alder St", "amount": "0", "kind": "pickup"},
    None,
)
_WAYS = ["given", "given", "given", "given", "physical", "digital", "service", "mixed", "mixed"]
_STATUSES = ["paid", "paid", "paid", "paid", "paid", "pending", "pending", "partially_paid"]
_ZONES = [None, "Europe/Berlin", "Asia/Tokyo", "America/New_York", "Pacific/Auckland"]
_HISTORY = [0, 1, 3, 4, 6, 9, 24, 11]
_LINES = [1, 1, 2, 3, 13, 40]


def _pick(i: int, dimension: str, values: Sequence[Any]) -> Any:
    digest = hashlib.blake2b(f"{i}\x1f{dimension}".encode(), digest_size=8).digest()
    return values[int.from_bytes(digest, "big") % len(values)]


def order_matrix(
    count: int = 1000, shop_timezone: str = "America/Los_Angeles"
) -> list[dict[str, Any]]:
    """*count* generated orders (plain dicts, as JSON gives them) that vary every fact.

    Deterministic. Each order draws each of its facts on its own, so that a
    thousand orders meet every pair of facts; one in eight is placed a
    minute either side of midnight in *shop_timezone*.
    """
    shop = ZoneInfo(shop_timezone)
    orders = []
    for i in range(count):
        n_lines = _pick(i, "lines", _LINES)
        lines = []
        for j in range(n_lines):
            name, kind = _pick(i * 64 + j, "product", _PRODUCTS)
            quantity: Any = _pick(i * 64 + j, "quantity", [1, 1, 1, 2, 3])
            lines.append({"name": name, "kind": kind, "quantity": quantity, "unit_price": "12.50"})
        if _pick(i, "engraving", [False] * 7 + [True]):
            lines[0]["properties"] = [{"name": "Engraving", "value": "For Ada, with love"}]
        shipping = _pick(i, "shipping", _SHIPPING)
        # What the lines are: as the order says (no fulfillment given), all of one
        # kind, or a parcel with something that comes by email beside it.
        ways = _pick(i, "ways", _WAYS)
        if ways in ("digital", "service"):
            shipping = None
        for j, line in enumerate(lines):
            if ways == "mixed":
                line["fulfillment"] = "digital" if j == 0 else "physical"
            elif ways != "given":
                line["fulfillment"] = ways
        subtotal = sum(Decimal(x["unit_price"]) * x["quantity"] for x in lines)
        total = subtotal + (Decimal(shipping["amount"]) if shipping else 0)
        day = datetime(2026, 11, 16, tzinfo=shop) + timedelta(days=_pick(i, "day", range(7)))
        if _pick(i, "midnight", range(8)) == 0:
            placed = day + timedelta(minutes=_pick(i, "side", [-1, 1]))
        else:
            placed = day + timedelta(hours=_pick(i, "hour", range(24)), minutes=17)
        first = _pick(i, "first", [*_FIRST, None, None])
        last = _pick(i, "last", _LAST)
        gift = _pick(i, "gift", ["no", "no", "no", "to_buyer", "to_other", "to_other"])
        customer: dict[str, Any] = {
            "first_name": first,
            "last_name": last if first or _pick(i, "last_only", [True, False]) else None,
            "email": f"customer{i % 97}@example.com",
            "previous_orders": _pick(i, "history", _HISTORY),
        }
        own = " ".join(p for p in (first, customer["last_name"]) if p) or None
        to = _pick(i, "recipient", _RECIPIENTS) if gift == "to_other" else own
        order: dict[str, Any] = {
            "number": f"#{5000 + i}",
            "placed_at": placed.isoformat(),
            "currency": "USD",
            "lines": lines,
            "shipping": shipping,
            "total": str(total),
            "customer": customer,
            "timezone": _pick(i, "zone", _ZONES),
            "gift": gift != "no",
            "status": _pick(i, "status", _STATUSES),
        }
        if order["status"] != "paid":
            order["payment"] = {"method": "Bank transfer", "due": str(total)}
        if shipping is not None or ways in ("physical", "mixed"):
            order["shipping_address"] = {
                "name": to,
                "address1": "1 High Street",
                "city": _pick(i, "town", _TOWNS),
                "country_code": "GB",
            }
        if gift != "no" and _pick(i, "message", [True, False]):
            order["gift_message"] = "Happy birthday! Love, E."
        if _pick(i, "note", [False] * 5 + [True]):
            order["note"] = "Please don't bend the sleeves."
        orders.append(order)
    return orders


def merchants() -> list[Merchant]:
    """The merchants the built-in packs are read with: a shop with a town and a
    packer, one in Berlin with its own words in two languages, one with no town."""
    signer = {"name": "Maya Okafor", "role": {"en": "founder", "ja": "創業者"},
              "email": "maya@shop.example"}  # fmt: skip
    return [
        Merchant.model_validate(
            {"name": "Groove Harbor Records", "city": "Portland", "signer": signer,
             "timezone": "America/Los_Angeles", "voice": {"packer": "Otis"}}
        ),
        Merchant.model_validate(
            {"name": "Kiezplatten", "city": {"en": "Berlin", "de": "Berlin", "ja": "ベルリン"},
             "signer": signer, "timezone": "Europe/Berlin",
             "voice": {"team": {"en": "the whole Kiez crew", "de": "die ganze Kiez-Crew",
                                "ja": "キーツのみんな"},
                       "extras": [{"en": "a sticker in the box", "de": "ein Aufkleber im Paket",
                                   "ja": "ステッカー1枚"}]}}
        ),
        Merchant.model_validate(
            {"name": "Quiet Goods", "signer": signer, "timezone": "UTC"}
        ),
    ]  # fmt: skip


def _formalities(locale: str) -> Iterator[str | None]:
    if i18n.has_formal(locale):
        yield from ("informal", "formal")
    else:
        yield None


def lint_packs(
    pack_dirs: Sequence[str | Path] = (),
    *,
    tones: Iterable[str] = TONES,
    locales: Iterable[str] = LOCALES,
    orders: Sequence[Mapping[str, Any]] | None = None,
    count: int = 1000,
    shop: Sequence[Merchant] | None = None,
) -> CopyReport:
    """Read every email the packs tell over the order matrix; report what is wrong.

    :param pack_dirs: a merchant's pack folders (the built-in packs when empty).
    :param orders: the orders to read (default: :func:`order_matrix` of *count*).
    :param shop: the merchants to tell them as (default: :func:`merchants`).
    :raises PackError: a pack is broken, or leaves some order with no true line.
    """
    report = CopyReport()
    merchants_ = list(shop) if shop is not None else merchants()
    # Each merchant reads its share of the orders, placed on its own clock,
    # so that every order is read once per tone, language and register.
    shares = []
    for k, merchant in enumerate(merchants_):
        given = orders if orders is not None else order_matrix(count, merchant.timezone)
        shares.append([validate_order(dict(o)) for o in given[k :: len(merchants_)]])
    for tone in tones:
        for locale in locales:
            for formality in _formalities(locale):
                for k, merchant in enumerate(merchants_):
                    voice = merchant.voice.model_copy(update={"formality": formality, "tone": tone})
                    who = merchant.model_copy(update={"voice": voice})
                    mailer = Mailer(who, locale=locale, tone=tone, pack_dirs=tuple(pack_dirs))
                    for order in shares[k]:
                        told = order.model_copy(update={"locale": locale, "tone": None})
                        context = mailer.context(told)
                        email = mailer.render_context(context)
                        report.emails += 1
                        story = context["story"]
                        pack = mailer.pack(story.tone, locale)
                        report.findings += lint_email(email, story, told, who, locale, pack)
    return report
