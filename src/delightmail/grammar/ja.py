"""Japanese: no articles and no plural; things are counted with a counter word
(「レコード3枚」「本1冊」「パーカー1着」), listed with 、 and と, and owned the way a
shop says it, ご注文の〜.

Counts are written in digits (``numbers`` is empty), a sentence follows the
last one with no space after 。, and nothing is capitalised. The particles
(を, が, は, に) stand in the pack lines, after ``{{ items }}``, so every form is
a bare noun phrase and the cases are all the same words.

>>> from decimal import Decimal
>>> from delightmail.models import LineItem, Money
>>> yen = Money(amount=Decimal(1200), currency="JPY")
>>> def line(name, kind, n=1):
...     return LineItem(name=name, kind=kind, quantity=Decimal(n), unit_price=yen)
>>> phrase = GRAMMAR.items([line("Blue Train", "record", 3), line("Band tee", "T-shirt")], False)
>>> phrase.full["acc"], phrase.short["nom"], phrase.again["nom"]
('ご注文のレコード3枚とTシャツ1枚', 'ご注文の4点', 'お品物')
>>> GRAMMAR.items([line("The Hobbit", "book")], False).full["nom"]
'ご注文の本'
>>> many = [line("Kind of Blue", "record"), line("Mystery item", None, 11)]
>>> GRAMMAR.items(many, False).full["nom"]
'ご注文の「Kind of Blue」ほか全12点'
>>> GRAMMAR.join(["ステッカー", "ポストカード", "しおり"])
'ステッカー、ポストカードとしおり'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from ..models import LineItem
from ._base import SHORT_NAME, Grammar, NounPhrase, count, nouns_data, same_in_every_case
from .en import singular_en

__all__ = ["GRAMMAR"]

#: How a shop speaks of the customer's things: "your order's ..." (ご注文の).
_YOUR = "ご注文の"
#: The things, once they have been named: the polite word a shop uses (お品物).
_GOODS = "お品物"
#: The order as a whole, where nothing can be counted (1.5 kg of tea and more).
_ORDER = "ご注文の品"


@dataclass(frozen=True)
class _Noun:
    one: str
    counter: str

    def counted(self, n: int) -> str:
        return f"{self.one}{n}{self.counter}"


@cache
def _nouns_ja() -> Mapping[str, _Noun]:
    """Japanese words for the kinds of things, by kind as orders write it
    (English, or the Japanese word itself)."""
    nouns: dict[str, _Noun] = {}
    for kind, entry in nouns_data("ja").items():
        noun = _Noun(entry["one"], entry.get("counter", "点"))
        nouns[kind] = noun
    for noun in list(nouns.values()):
        nouns.setdefault(noun.one.lower(), noun)  # a Japanese shop writes 「レコード」
    return nouns


def _join(items: Sequence[str]) -> str:
    """「A、BとC」: a list as a Japanese shop writes it."""
    if len(items) <= 1:
        return "".join(items)
    return f"{'、'.join(items[:-1])}と{items[-1]}"


def _ja(full: str, bare: str, short: str, again: str, pronoun: str, plural: bool) -> NounPhrase:
    return same_in_every_case(full, bare, short, again, pronoun, plural=plural)


def _quoted(name: str) -> str:
    """A product's own name, in the corner brackets Japanese sets names in."""
    return f"『{name}』" if "「" in name or "」" in name else f"「{name}」"


def _titled(name: str) -> NounPhrase:
    """One product of no kind the grammar knows (or a fraction of one), by its name."""
    named = _quoted(name)
    short = f"{_YOUR}{named}" if len(name) <= SHORT_NAME else _ORDER
    return _ja(f"{_YOUR}{named}", named, short, named, _GOODS, plural=False)


def _items_ja(lines: Sequence[LineItem], formal: bool) -> NounPhrase:
    """「ご注文のレコード3枚とTシャツ1枚」; 「ご注文の「Blue Train」ほか全12点」 for many kinds."""
    nouns = _nouns_ja()
    c = count(lines, lambda kind: kind if kind.lower() in nouns else singular_en(kind))
    if c.fractional:
        if c.lines > 1:
            return _ja(_ORDER, _GOODS, _ORDER, _GOODS, _GOODS, plural=True)
        return _titled(c.first_name)
    known = all(kind in nouns and kind != "thing" for kind in c.counts)
    # Two kinds with one Japanese word (record, vinyl) are counted together.
    counts: dict[_Noun, int] = {}
    if known:
        for kind, n in c.counts.items():
            noun = nouns[kind]
            counts[noun] = counts.get(noun, 0) + n
    if c.total == 1:
        if not known:
            return _titled(c.first_name)
        noun = next(iter(counts))
        mine = f"{_YOUR}{noun.one}"
        return _ja(mine, noun.counted(1), mine, noun.one, f"その{noun.one}", plural=False)
    all_of_them = f"{_YOUR}{c.total}点"
    if c.lines == 1 and not known:  # 12 of one product of no kind
        words = f"{_quoted(c.first_name)}{c.total}点"
        return _ja(f"{_YOUR}{words}", words, all_of_them, _GOODS, _GOODS, plural=True)
    if not known or len(counts) > 3:
        # Too many kinds to list: name the first product, and count them all.
        words = f"{_quoted(c.first_name)}ほか全{c.total}点"
        return _ja(f"{_YOUR}{words}", words, all_of_them, _GOODS, _GOODS, plural=True)
    listed = _join([noun.counted(n) for noun, n in counts.items()])
    full = f"{_YOUR}{listed}"
    if len(counts) == 1:
        noun = next(iter(counts))
        return _ja(full, listed, full, noun.one, f"その{noun.one}", plural=True)
    return _ja(full, listed, all_of_them, _GOODS, _GOODS, plural=True)


GRAMMAR = Grammar(
    language="ja",
    items=_items_ja,
    numbers=(),
    join=_join,
    lint_locale="ja_JP",
    sentence_gap="",
    capitalize=False,
)
