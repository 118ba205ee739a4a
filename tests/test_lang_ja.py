"""Japanese: counters and ご注文の〜 in the grammar, polite copy in every tone, the copy
linter reading text with no spaces, and a text part that stays within 78 columns."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail import LineItem, Mailer, Merchant, Money
from delightmail.columns import display_width
from delightmail.grammar import CASES, Mentions, grammar_of, items_phrase, join_words
from delightmail.i18n import has_formal, text_language
from delightmail.lexicon import content_pairs, lexicon, sentences, words
from delightmail.lint import lint_email, lint_packs, merchants, order_matrix
from delightmail.models import TONES, validate_order
from delightmail.packs import load_pack
from delightmail.story import tell

from .conftest import ORDER_FILES, load
from .test_i18n import assert_no_english, visible

LOCALE = "ja_JP"


def line(kind: str | None, quantity: str, name: str = "Item") -> LineItem:
    return LineItem(
        name=name,
        kind=kind,
        quantity=Decimal(quantity),
        unit_price=Money(amount=Decimal(1200), currency="JPY"),
    )


# -- the grammar -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "full", "bare", "short", "again"),
    [
        ([line("record", "1")], "ご注文のレコード", "レコード1枚", "ご注文のレコード", "レコード"),
        ([line("book", "1")], "ご注文の本", "本1冊", "ご注文の本", "本"),
        ([line("hoodie", "2")], "ご注文のパーカー2着", "パーカー2着", "ご注文のパーカー2着",
         "パーカー"),
        ([line("record", "3"), line("T-shirt", "1")], "ご注文のレコード3枚とTシャツ1枚",
         "レコード3枚とTシャツ1枚", "ご注文の4点", "お品物"),
        ([line("record", "1"), line("book", "1"), line("mug", "2")],
         "ご注文のレコード1枚、本1冊とマグカップ2個", "レコード1枚、本1冊とマグカップ2個",
         "ご注文の4点", "お品物"),
        # Two kinds with one Japanese word are counted together.
        ([line("record", "2"), line("vinyl", "1")], "ご注文のレコード3枚", "レコード3枚",
         "ご注文のレコード3枚", "レコード"),
        # A kind as a Japanese shop writes it, and an English plural.
        ([line("レコード", "2"), line("T-Shirts", "2")], "ご注文のレコード2枚とTシャツ2枚",
         "レコード2枚とTシャツ2枚", "ご注文の4点", "お品物"),
        ([line("socks", "2"), line("pen", "3")], "ご注文の靴下2足とペン3本", "靴下2足とペン3本",
         "ご注文の5点", "お品物"),
        # No kind: the product's name, in corner brackets.
        ([line(None, "1", "Blue Train")], "ご注文の「Blue Train」", "「Blue Train」",
         "ご注文の「Blue Train」", "「Blue Train」"),
        ([line(None, "42", "Mixtape")], "ご注文の「Mixtape」42点", "「Mixtape」42点",
         "ご注文の42点", "お品物"),
        ([line(None, "2", "Mixtape"), line("record", "1")], "ご注文の「Mixtape」ほか全3点",
         "「Mixtape」ほか全3点", "ご注文の3点", "お品物"),
        # More than three kinds: counted, and one named.
        ([line("record", "1", "Kind of Blue"), line("book", "1"), line("mug", "1"),
          line("poster", "1")], "ご注文の「Kind of Blue」ほか全4点", "「Kind of Blue」ほか全4点",
         "ご注文の4点", "お品物"),
        # Fractions are not counted.
        ([line("tea", "1.5", "Sencha")], "ご注文の「Sencha」", "「Sencha」", "ご注文の「Sencha」",
         "「Sencha」"),
        ([line("tea", "1.5"), line("record", "2")], "ご注文の品", "お品物", "ご注文の品",
         "お品物"),
        # A name with its own brackets gets the double ones.
        ([line(None, "1", "「夜」")], "ご注文の『「夜」』", "『「夜」』", "ご注文の『「夜」』",
         "『「夜」』"),
    ],
    ids=["one-record", "one-book", "hoodies", "records-and-tee", "three-kinds", "one-word",
         "japanese-kind", "socks-and-pens", "named", "named-many", "unknown-mixed",
         "four-kinds", "fraction", "fraction-mixed", "bracketed-name"],
)  # fmt: skip
def test_japanese_names_the_things_with_counters(
    lines: list[LineItem], full: str, bare: str, short: str, again: str
) -> None:
    """Counters by kind (枚, 冊, 着, 足, 本), 、 and と between kinds, ご注文の as the
    possessive, and the same words in every case (the particles are the lines')."""
    phrase = items_phrase(lines, "ja")
    for case in CASES:
        assert phrase.full[case] == full
        assert phrase.bare[case] == bare
        assert phrase.short[case] == short
        assert phrase.again[case] == again
    assert phrase.gender == ""


def test_a_thousand_lines_are_counted_in_one_phrase() -> None:
    """1,000 lines make one short phrase with the whole count in digits."""
    lines = [line("record" if i % 2 else "book", "1", f"Title {i}") for i in range(1000)]
    phrase = items_phrase(lines, "ja")
    assert phrase.full["nom"] == "ご注文の本500冊とレコード500枚"
    mixed = [*lines, line(None, "1", "Odd one")]
    assert items_phrase(mixed, "ja").full["nom"] == "ご注文の「Title 0」ほか全1001点"


def test_mentions_shorten_in_japanese() -> None:
    """The full phrase once, then その〜 in the same paragraph and the bare word in the next."""
    mentions = Mentions("ja", items_phrase([line("record", "3")], "ja"))
    said = [mentions.finish(mentions.name("acc"))]
    said.append(mentions.finish(mentions.name("acc")))
    mentions.paragraph = 1
    said.append(mentions.finish(mentions.name("nom")))
    assert said == ["ご注文のレコード3枚", "そのレコード", "レコード"]


def test_japanese_writes_digits_and_lists_with_to() -> None:
    """Counts in digits (3回目), lists 「A、BとC」, no space between sentences, no capitals."""
    ja = grammar_of("ja")
    assert ja.count_word(3) == "3" and ja.count_word(12) == "12"
    assert join_words(["A"], "ja") == "A"
    assert join_words(["A", "B"], "ja") == "AとB"
    assert join_words(["A", "B", "C"], "ja") == "A、BとC"
    assert ja.sentence_gap == "" and not ja.capitalize and ja.lint_locale == LOCALE


_KINDS = ["record", "book", "T-shirt", "mug", "hoodie", "socks", "sticker", "gift card",
          "poster", "cd", "kazoo", "headphones", "tip", None]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_KINDS),
            st.sampled_from(["1", "2", "3", "12", "0.5", "1.25"]),
            st.text(alphabet="abcXYZ 東京夜", min_size=1, max_size=30).filter(str.strip),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_mix_of_lines_gives_a_clean_phrase(raw: list[tuple[str | None, str, str]]) -> None:
    """Whatever the lines, every form is filled, holds no marker, no "None", no English
    word of ours, and every form has the phrase's one number."""
    lines = [line(kind, quantity, name) for kind, quantity, name in raw]
    phrase = items_phrase(lines, "ja")
    names = {name for _, _, name in raw}
    for forms in (phrase.full, phrase.bare, phrase.short, phrase.again, phrase.pronoun):
        for case in CASES:
            text = forms[case]
            assert text and "None" not in text and "{" not in text and "\ue000" not in text
            rest = text
            for name in sorted(names, key=len, reverse=True):
                rest = rest.replace(name, "")
            assert not re.search(r"\b(?:your|things|and|of|them)\b", rest), text
    assert phrase.gender == ""
    # The number verbs would agree with is the one the phrase counts.
    tail = phrase.full["nom"].split("」")[-1]
    counted = [int(n) for n in re.findall(r"(\d+)(?:ほか|[^\d\s]{1,3}(?:$|と|、))", tail)]
    if counted:
        assert phrase.plural == (sum(counted) > 1 or "ほか" in phrase.full["nom"])


# -- the packs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("tone", TONES)
def test_japanese_packs_fill_the_slots_the_german_ones_do(tone: str) -> None:
    """Every slot of the German pack is filled in Japanese, with as much to choose from in
    the story's own slots, and no line carries a [du|Sie] marker (one register)."""
    german, japanese = load_pack(tone, "de"), load_pack(tone, "ja")
    assert set(japanese.lines) == set(german.lines)
    for slot, lines in german.lines.items():
        assert len(japanese.lines[slot]) >= len(lines) - 1, slot
        for told in japanese.lines[slot]:
            assert "[" not in told.source and "|" not in told.source
    assert not has_formal(LOCALE) and text_language("ja_JP") == "ja"


def _polite(sentence: str) -> bool:
    """Whether a story sentence ends in a polite (です・ます) form, or is a polite fragment
    (「…として。」「…どうぞ。」, an exclamation like 「号外です！」)."""
    body = re.sub(r"[（(][^（）()]*[）)]$", "", sentence.rstrip("。！？")).rstrip("」")
    return bool(
        re.search(
            r"(です|ます|ませ|ました|ません|ましょう|でした|ください|ように|として|ごく控えめに|場所に|1枚|つき"
            r"|どうぞ|ございます|ですね|ね|書きました|ひとこと|ようこそ|ご注文|いたします|申し上げます)$",
            body,
        )
    )


@pytest.mark.parametrize("tone", TONES)
def test_every_japanese_story_sentence_is_polite(tone: str) -> None:
    """Every sentence of a Japanese story's letter, over the matrix, ends politely: the
    plain forms (だ, だよ, する) never close one."""
    shop = merchants()
    for i, raw in enumerate(order_matrix(120)):
        merchant = shop[i % len(shop)]
        story = tell(validate_order({**raw, "locale": LOCALE}), merchant, LOCALE, tone)
        for told in story.told:
            if told.slot in ("subject", "preheader"):  # inbox headlines, not the letter
                continue
            for sentence in sentences(told.text):
                assert _polite(sentence), (told.where, sentence)


# -- the copy linter ---------------------------------------------------------------------------


def test_the_linter_reads_japanese_words_and_sentences() -> None:
    """Japanese is cut where its script changes, into sentences after 。！？ with no space,
    and kanji and katakana runs make the pairs a repetition is found by."""
    text = "ご注文をお届けします。Otisがレコードを薄紙で包みました！「わあ」と言いました。"
    assert sentences(text) == [
        "ご注文をお届けします。",
        "Otisがレコードを薄紙で包みました！",
        "「わあ」と言いました。",
    ]
    assert words("お届けします") == ["お", "届", "けします"]
    assert ("レコード", "薄紙") in content_pairs(text, "ja")
    ja = lexicon("ja")
    assert ja.find("shipping", "お届けします") == ["届け*"]
    assert ja.find("shipping", "ご注文が届きました") == []  # it reached us: nothing travels
    assert ja.find("packing", text) == ["包み*", "薄紙"]
    assert words("We're here, Sam.") == ["we're", "here", "sam"]  # English is read as before


def _pack_dir(tmp_path: Path, tone: str, slot: str, text: str, **conditions: str) -> Path:
    folder = tmp_path / "packs"
    folder.mkdir(exist_ok=True)
    extra = "".join(f', {k} = "{v}"' for k, v in conditions.items())
    (folder / f"{tone}.ja.toml").write_text(
        f'[pack]\ntone = "{tone}"\nlocale = "ja"\n\n[lines]\n'
        f'{slot} = [{{ text = "{text}"{extra} }}]\n',
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize(
    ("slot", "text", "conditions", "check", "found"),
    [
        ("journey", "荷物は今日発送します。", {}, "contradiction", "shipping"),
        ("journey", "{{ items }}を箱に詰めて封をしました。", {"shipping": "pickup"},
         "contradiction", "packing"),
        ("closing", "今朝はいい天気です。", {}, "contradiction", "今朝"),
        ("closing", "すごく素敵だよ。", {}, "register", "だよ"),
        ("closing", "Thank you for your order.", {}, "language", "not ja"),
        ("closing", "Спасибо за заказ.", {}, "language", "another script"),
    ],
    ids=["shipping-for-pickup", "packing-for-pickup", "morning-at-night", "plain-form",
         "english", "cyrillic"],
)  # fmt: skip
def test_the_linter_finds_what_is_wrong_in_japanese(
    tmp_path: Path, slot: str, text: str, conditions: dict[str, str], check: str, found: str
) -> None:
    """A merchant's Japanese line that ships a pick-up, packs one, says "this morning" at
    night, drops into the plain form or into another language is found."""
    folder = _pack_dir(tmp_path, "warm", slot, text, **conditions)
    order = {
        "number": "#9001",
        "placed_at": "2026-11-18T23:30:00-08:00",
        "currency": "JPY",
        "lines": [{"name": "Blue Train", "kind": "record", "quantity": 1, "unit_price": "3300"}],
        "shipping": {"method": "店頭受け取り", "kind": "pickup", "amount": "0"},
        "total": "3300",
        "customer": {"first_name": "Aoi", "email": "aoi@example.jp"},
        "locale": LOCALE,
    }
    report = lint_packs([folder], tones=["warm"], locales=[LOCALE], orders=[order], count=1)
    hits = [f for f in report.findings if f.check == check and found in f.message + f.sentence]
    assert hits, [str(f) for f in report.findings]


def test_a_japanese_subject_is_measured_in_columns(merchant: Merchant) -> None:
    """A Japanese subject of 40 wide characters is 80 columns: too long for a preview."""
    story = tell(validate_order({**load(ORDER_FILES[0]), "locale": LOCALE}), merchant, LOCALE)
    long = "あ" * 40
    told = dataclasses.replace(
        story,
        subject=long,
        told=tuple(dataclasses.replace(t, text=long) if t.slot == "subject" else t
                   for t in story.told),
    )  # fmt: skip
    email = Mailer(merchant).render({**load(ORDER_FILES[0]), "locale": LOCALE})
    order = validate_order({**load(ORDER_FILES[0]), "locale": LOCALE})
    found = lint_email(email, told, order, merchant, LOCALE)
    assert any(f.check == "subject" and "80 columns" in f.message for f in found)


def test_the_japanese_packs_read_clean() -> None:
    """Every tone over 300 generated orders (the one register Japanese has): no
    repetition, contradiction, other language, plain form or long subject."""
    report = lint_packs(locales=(LOCALE,), count=300)
    assert report.emails == 900
    assert report.ok, "\n\n".join(str(f) for f in report.findings[:10])


# -- rendered emails ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def japanese_order() -> dict[str, Any]:
    """The German example order (EUR, two taxes, a discount) placed by a Japanese customer."""
    data: dict[str, Any] = {**load(ORDER_FILES[2]), "locale": LOCALE}
    return data


@pytest.mark.parametrize("tone", TONES)
def test_a_japanese_order_is_japanese_throughout(
    merchant: Merchant, japanese_order: dict[str, Any], tone: str
) -> None:
    """No English sentence of ours is left in the HTML or the text; the html says lang="ja";
    the date is written the Japanese way and the money in the order's currency."""
    email = Mailer(merchant=merchant, tone=tone).render(japanese_order)
    html_text, text = visible(email.html), " ".join(email.text.split())
    assert_no_english(html_text, text)
    assert 'lang="ja"' in email.html
    assert "2026年11月21日" in html_text and "2026年11月21日" in text
    assert "€71.61" in email.text and "€71.61" in html_text
    assert "小計" in email.text and "合計" in html_text
    assert "ご注文" in email.subject
    if tone != "plain":
        assert "Jörg様" in email.text


def test_a_regional_japanese_locale_reads_japanese(
    merchant: Merchant, japanese_order: dict[str, Any]
) -> None:
    """``ja`` and a region's ``ja_JP`` read the same Japanese catalog, greeting by 様."""
    for locale in ("ja", "ja_JP"):
        email = Mailer(merchant=merchant).render({**japanese_order, "locale": locale})
        assert 'lang="ja"' in email.html and "小計" in email.text
        assert "Jörg様" in email.text and "Hi Jörg" not in email.text


def test_japanese_yen_and_a_japanese_order(merchant: Merchant) -> None:
    """The Japanese example order (yen, a pick-up, no name): yen without decimals, a
    greeting without a name, and a pick-up that is never shipped or packed."""
    email = Mailer(merchant=merchant).render(load(ORDER_FILES[4]))
    assert "￥3,300" in email.text or "¥3,300" in email.text
    assert "こんにちは。" in email.text
    story = " ".join(email.text.split("ご購入いただいた")[0].split())
    assert not lexicon("ja").find("shipping", story) and not lexicon("ja").find("packing", story)


_LONG_NAMES = [
    "東京ナイトドライブ・スペシャルエディション限定盤（アナログ2枚組・ポスター付き）初回プレス",
    "Kind of Blue (Legacy Edition, 180 g, Remastered from the Original Analog Master Tapes)",
    "夜明けのカセット「はじまりの街」デラックス・ボックス",
]


@pytest.mark.parametrize("tone", TONES)
def test_every_text_line_of_a_japanese_email_fits_78_columns(merchant: Merchant, tone: str) -> None:
    """Long Japanese product names, Japanese story lines and labels: no line of the text
    part is wider than 78 columns (a wide character takes two)."""
    base = load(ORDER_FILES[1])
    lines = [
        {**item, "name": _LONG_NAMES[i]} if i < len(_LONG_NAMES) else item
        for i, item in enumerate(base["lines"])
    ]
    order = {**base, "lines": lines, "locale": LOCALE}
    for i, raw in enumerate([order, *order_matrix(12)]):
        data = {**raw, "locale": LOCALE} if i else raw
        text = Mailer(merchant=merchant, tone=tone).render(data).text
        wide = [row for row in text.splitlines() if display_width(row) > 78]
        long_url = [row for row in wide if " " not in row.strip() and "://" in row]
        assert wide == long_url, wide


def test_a_japanese_subject_fits_the_preview_in_columns(merchant: Merchant) -> None:
    """A long Japanese name and product: the subject told fits 78 columns (cut with …
    between two characters when no line fits), never 78 wide characters."""
    data = load(ORDER_FILES[4])
    name = "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末"
    data["customer"] = {**data["customer"], "first_name": name}
    data["lines"] = [{**data["lines"][0], "name": "東京ナイトドライブ・スペシャルエディション"}]
    for tone in TONES:
        subject = tell(validate_order(data), merchant, LOCALE, tone).subject
        assert display_width(subject) <= 78, subject
        assert subject.endswith("…") or display_width(subject) <= 78
