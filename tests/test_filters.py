"""The template filters: wrapping, columns, one-line headers, and which of them are pure."""

from __future__ import annotations

import re

import jinja2
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from delightmail._templates import environment
from delightmail.columns import display_width
from delightmail.filters import (
    _wrap_paragraph,
    _wrap_pattern,
    _wrap_words,
    is_pure,
    one_line,
    pure,
    row_filter,
    tel_filter,
    wrap_filter,
)

PARAGRAPH = (
    "We lifted it off the shelf with both hands, checked it over under the good lamp, "
    "and wrapped it in paper so crisp it crackles. https://shop.example.com/orders/"
    + "x" * 90
    + " and that was that."
)


def test_wrap_keeps_lines_within_width_and_urls_whole() -> None:
    """Every line fits 78 columns unless it is one long word, which is never broken."""
    wrapped = wrap_filter(PARAGRAPH)
    for line in wrapped.splitlines():
        assert len(line) <= 78 or " " not in line
    assert "https://shop.example.com/orders/" + "x" * 90 in wrapped.splitlines()
    assert " ".join(wrapped.split()) == " ".join(PARAGRAPH.split())


def test_wrap_indents_and_keeps_paragraphs() -> None:
    """Each paragraph is wrapped on its own, with the indent on every line."""
    wrapped = wrap_filter("first line\n\nsecond " + "word " * 30, width=40, indent="  ")
    lines = wrapped.splitlines()
    assert lines[0] == "  first line" and lines[1] == ""
    assert all(line.startswith("  ") and len(line) <= 40 for line in lines[2:])


@pytest.mark.parametrize(
    ("label", "value", "expected"),
    [
        ("Subtotal", "$1.00", "Subtotal" + " " * 65 + "$1.00"),
        ("L" * 80, "$1.00", "L" * 80 + "\n" + " " * 73 + "$1.00"),
    ],
    ids=["fits", "too-long"],
)
def test_row_aligns_the_value_right(label: str, value: str, expected: str) -> None:
    """A label and an amount share a 78-column line, or the amount gets its own."""
    assert row_filter(label, value) == expected


# A gift message in Japanese: no spaces between words, two columns a character.
JAPANESE = (
    "お誕生日おめでとう！いつもありがとう。このレコードを聴きながら、ゆっくりお茶でも"
    "飲んでください。また一緒に音楽を聴きに行こうね。「東京ナイトドライブ」より。"
)


@pytest.mark.parametrize("width", [78, 40, 21])
def test_wrap_counts_east_asian_characters_as_two_columns(width: int) -> None:
    """Japanese wraps at *width* display columns (a character takes two), between its
    characters, never starting a line with 。 or ending one with 「."""
    wrapped = wrap_filter(JAPANESE, width=width, indent="  ")
    lines = wrapped.splitlines()
    assert len(lines) > 1
    assert all(display_width(line) <= width for line in lines)
    assert max(display_width(line) for line in lines) >= width - 3  # lines are filled
    assert "".join(line.strip() for line in lines) == JAPANESE
    assert not any(line.strip()[0] in "。、！」" or line.strip()[-1] == "「" for line in lines)


def test_wrap_breaks_mixed_text_between_words_and_wide_characters() -> None:
    """A Latin word stays whole beside Japanese; a URL stays whole on a line of its own."""
    text = "Thanks for 東京ナイトドライブ EP, see https://shop.example.jp/" + "x" * 80
    lines = wrap_filter(text, width=30).splitlines()
    assert "https://shop.example.jp/" + "x" * 80 in lines
    assert all(display_width(line) <= 30 for line in lines if "://" not in line)
    assert any(line.endswith("Thanks for 東京ナイトドライブ") for line in lines)


_WORDS = st.lists(
    st.text(alphabet="abcdefghij-.,!éß’—€", min_size=1, max_size=14), min_size=1, max_size=40
)


@given(words=_WORDS, width=st.integers(min_value=8, max_value=78))
def test_the_two_ways_of_wrapping_agree_on_narrow_text(words: list[str], width: int) -> None:
    """The column-counting wrap (for any script) breaks narrow text exactly where the
    fast path does: an accent, a curly quote or a dash does not move a line break."""
    text = " ".join(words)
    assert _wrap_words(text, width) == _wrap_pattern(width).findall(text)


def test_row_measures_columns_as_a_fixed_width_font_shows_them() -> None:
    """A fullwidth ￥ takes two columns: the row is 78 columns wide, not 80."""
    row = row_filter("1 × ￥3,300", "￥3,300")
    assert display_width(row) == 78 and len(row) == 76
    assert row_filter("Subtotal", "￥3,300", 40) == "Subtotal" + " " * 25 + "￥3,300"


@pytest.mark.parametrize(
    ("number", "href"),
    [
        ("+1 503 555 0142", "tel:+15035550142"),
        ("+1 (503) 555-0142 ext. 7", "tel:+15035550142;ext=7"),
        ("0049 30 1234567", "tel:0049301234567"),
        ("030/1234-56 x12", "tel:030123456;ext=12"),
        ("٠١٢٣٤٥٦٧٨", "tel:012345678"),
        ("1-800-FLOWERS", ""),
        ("call us!", ""),
        ("12", ""),
        (None, ""),
    ],
    ids=["spaces", "brackets-ext", "zeros", "slash-x", "arabic-digits", "letters", "words",
         "too-short", "none"],
)  # fmt: skip
def test_tel_dials_the_digits_of_a_number(number: str | None, href: str) -> None:
    """``tel`` keeps a number's digits and leading +, and gives nothing to link for text
    that is not a number to dial."""
    assert tel_filter(number) == href


def test_one_line_folds_line_breaks() -> None:
    """A value bound for a header never keeps a line break."""
    assert one_line("Sam\r\nBcc: x@example.com\t ") == "Sam Bcc: x@example.com"


@pytest.mark.parametrize(
    ("locale", "lang", "expression", "expected"),
    [
        ("fr_FR", "en", "when | date", "November 22, 2026"),
        ("fr_FR", "en", "when | date('full')", "Sunday, November 22, 2026"),
        ("fr_FR", "en", "when | date('short')", "22/11/2026"),
        ("fr_FR", "en", "when | date('EEEE')", "Sunday"),
        ("fr_FR", "en", "when | datetime('short')", "22/11/2026 07:15"),
        ("fr_FR", "en", "when | datetime('medium')", "Nov 22, 2026, 7:15:00\u202fAM"),
        ("ja", "en", "when | date", "November 22, 2026"),
        ("bg", "en", "when | date('short')", "11/22/26"),  # Bulgarian's is "22.11.26 г.": a word
        ("fr_FR", "fr", "when | date", "22 novembre 2026"),
        ("en_GB", "en", "when | date", "22 November 2026"),
        ("de_AT", "de", "when | date", "22. November 2026"),
        ("fr_FR", "en", "amount | money", "1\u202f234,50\u00a0€"),
    ],
    ids=["fr-long", "fr-full", "fr-short", "fr-weekday", "fr-datetime-short",
         "fr-datetime-medium", "ja-long", "bg-short", "in-french", "en_GB", "de_AT", "fr-money"],
)  # fmt: skip
def test_dates_in_words_follow_the_words_digits_the_locale(
    locale: str, lang: str, expression: str, expected: str
) -> None:
    """A date written with names is in the email's language (lang); one in digits keeps the
    locale's order, as money keeps its format."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from delightmail._templates import TEXT_ENV
    from delightmail.models import Money

    template = TEXT_ENV.from_string("{{ " + expression + " }}")
    when = datetime(2026, 11, 22, 7, 15, tzinfo=UTC)
    amount = Money(amount=Decimal("1234.50"), currency="EUR")
    assert template.render(locale=locale, lang=lang, when=when, amount=amount) == expected


@pytest.mark.parametrize(
    ("name", "folds"),
    [
        ("money", False), ("minus_money", False), ("number", False), ("date", False),
        ("datetime", False), ("local", False), ("utm", True), ("random", False),
        ("map", False), ("select", False), ("selectattr", False), ("reject", False),
        ("wrap", True), ("row", True), ("one_line", True), ("upper", True), ("join", True),
        ("default", True), ("wordwrap", True), ("safe", True),
    ],
)  # fmt: skip
def test_only_filters_declared_pure_fold(name: str, folds: bool) -> None:
    """What reads the render's locale, a random number or filters by name is not pure;
    our text helpers, ``utm`` (which reads only the merchant) and Jinja's own pure filters
    are, also through the sandbox's guard."""
    for html, sandbox in [(True, False), (False, False), (True, True)]:
        assert is_pure(environment(html=html, sandbox=sandbox).filters[name]) is folds


def test_purity_is_declared_not_guessed() -> None:
    """A new filter is not pure until declared so, whatever it is; Jinja's tests are."""

    def shout(text: str) -> str:
        return text.upper()

    assert not is_pure(shout) and not is_pure(jinja2.pass_context(lambda c, v: v))
    assert is_pure(pure(shout)) and not is_pure(None) and not is_pure("upper")
    assert all(is_pure(test) for test in environment(html=True).tests.values())


@given(words=_WORDS, width=st.integers(min_value=8, max_value=78))
def test_wrapping_never_breaks_at_a_no_break_space(words: list[str], width: int) -> None:
    """Words joined by a no-break space (French "12\u00a0€") stay on one line."""
    text = " ".join(f"{word}\u00a0€" for word in words)
    lines = wrap_filter(text, width).split("\n")
    assert " ".join(lines) == text  # every break is at a space


@given(
    text=st.text(alphabet=st.sampled_from(["a", "é", " ", "\t", "\r", "\f", "\v", "\u00a0"])),
    width=st.integers(min_value=8, max_value=78),
)
def test_any_run_of_spaces_wraps_as_one_space(text: str, width: int) -> None:
    """Tabs, form feeds and runs of spaces inside a paragraph are one space to the
    wrapping, as the text was written with one; a no-break space stays."""
    once = re.sub(r"[ \t\r\f\v]+", " ", text)
    assert wrap_filter(text, width) == wrap_filter(once, width)


def _wrapped_the_long_way(text: str, width: int, indent: str) -> str:
    return "\n".join(
        _wrap_paragraph(p, width, indent) if p.strip() else "" for p in text.split("\n")
    )


@given(
    text=st.one_of(
        st.text(),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=120),
        st.text(alphabet=st.sampled_from(" ab\t\n\xa0é日\u3000-"), max_size=120),
    ),
    width=st.integers(min_value=8, max_value=100),
    indent=st.sampled_from(["", "  ", "\t", "\xa0", "日"]),
)
@example(text="aaaa bbbb", width=9, indent="  ")  # fits the width, not beside the indent
@example(text="aaaa bbbb", width=9, indent="日")  # an indent two columns wide
@example(text=" aaaa  bbbb ", width=10, indent="")
@settings(max_examples=500)
def test_a_short_line_is_wrapped_as_the_long_way_wraps_it(
    text: str, width: int, indent: str
) -> None:
    """One short line of printable ASCII (the usual) takes a short way: the very text
    every paragraph's wrapping makes of it, as for any other text."""
    assert wrap_filter(text, width, indent) == _wrapped_the_long_way(text, width, indent)
