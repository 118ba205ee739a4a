"""Folding: what every email of one merchant and locale shares is computed once, on the
template's syntax tree, and the compiled path still equals the reference path exactly,
whatever the merchant, the customer and the catalog write."""

from __future__ import annotations

import copy
import gettext
import os
import re
from collections.abc import Callable, Iterator
from functools import cache
from itertools import count, product
from pathlib import Path
from typing import Any

import jinja2
import lxml.html
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree
from markupsafe import Markup

from delightmail import Mailer, OrderValidationError, TemplateError, _templates, i18n
from delightmail.filters import pure
from delightmail.lint import order_matrix
from delightmail.models import TONES, Merchant
from delightmail.rendering import TEMPLATE_FILES, RenderedEmail, available_templates

from .conftest import EXAMPLES, ORDER_FILES, copy_templates, edit, load

# -- the two paths, compared -----------------------------------------------------


@cache
def _unfolded_template(source: str, filename: str, sandbox: bool) -> jinja2.Template:
    compiled = _templates.compiled_html(source, filename)
    env = _templates.environment(html=True, sandbox=sandbox)
    return _templates.load(env, compiled.jinja_source().source, filename)


def unfolded_html(mailer: Mailer, context: dict[str, Any]) -> str:
    """The compiled path's HTML with nothing folded: the same MJML and premailer output,
    every expression rendered with the email. Folding must not change one byte of it."""
    composed = mailer._html  # the design with its layout and partials, as compiled
    return _unfolded_template(composed.source, composed.filename, mailer.sandbox).render(context)


_SHORT_HEX = re.compile(r"#([0-9a-f])([0-9a-f])([0-9a-f])\b")
_MRML_ESCAPE = re.compile(r"\\(?:u\{([0-9a-f]{1,6})\}|(.))", re.DOTALL)
_MRML_CHARACTERS = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def _mrml_unescaped(value: str) -> str:
    def character(match: re.Match[str]) -> str:
        if match.group(1):
            return chr(int(match.group(1), 16))
        return _MRML_CHARACTERS.get(match.group(2), match.group(0))

    # What the HTML parser does to line breaks, had MRML not hidden them from it.
    return _MRML_ESCAPE.sub(character, value).replace("\r\n", "\n").replace("\r", "\n")


def comparable(html: str, *, reference: bool = False) -> str:
    """*html* parsed and written out again, with only what MJML and premailer do
    differently to the same email, by compiling it first or not, made the same.

    - A text's white space at its ends (and white space alone between elements):
      premailer writes line breaks where a statement's token stood.
    - Short hex colours in a ``style`` written in full: cssutils shortens ``#ffffff``
      to ``#fff`` where it sees the colour (the reference), not where it sees a token.
    - On the reference path, attribute values unescaped: MRML writes them with
      Rust's debug escapes (a zero-width joiner as ``\\u{200d}``, a backslash as
      ``\\\\``), a bug the compiled path does not have, since its values go in
      after MJML; and their line breaks then made ``\\n``, as the HTML parser makes
      them when it sees them.

    Everything else, every character of every text and attribute, must be the same.
    """
    root = lxml.html.document_fromstring(html)
    for node in root.iter():
        node.text = (node.text or "").strip() or None
        node.tail = (node.tail or "").strip() or None
        if not isinstance(node.tag, str):  # a comment
            continue
        for name, raw in node.attrib.items():
            value = raw.decode() if isinstance(raw, bytes) else raw
            if reference:
                value = _mrml_unescaped(value)
            if name == "style":
                value = _SHORT_HEX.sub(lambda m: "#" + "".join(c * 2 for c in m.groups()), value)
            node.attrib[name] = value
    return str(etree.tostring(root, method="html", encoding="unicode"))


def assert_same_email(
    fast: RenderedEmail, slow: RenderedEmail, unfolded: str | None = None
) -> None:
    """The compiled email equals the reference: text, subject and preheader exactly, the
    HTML as :func:`comparable`; and, given, byte for byte the HTML compiled unfolded."""
    if unfolded is not None:
        assert fast.html == unfolded
    assert fast.text == slow.text
    assert (fast.subject, fast.preheader) == (slow.subject, slow.preheader)
    assert comparable(fast.html) == comparable(slow.html, reference=True)


def template_folder(tmp_path: Path, html_body: str, text: str) -> Path:
    """A template folder with *html_body* in one ``mj-text`` and *text* as the text part."""
    folder = tmp_path / "template"
    folder.mkdir(exist_ok=True)
    (folder / TEMPLATE_FILES[0]).write_text(
        "<mjml><mj-body><mj-section><mj-column><mj-text>\n"
        + html_body
        + "\n</mj-text></mj-column></mj-section></mj-body></mjml>\n",
        encoding="utf-8",
    )
    (folder / TEMPLATE_FILES[1]).write_text(text, encoding="utf-8")
    return folder


def both(merchant: Any, folder: Path, **options: Any) -> tuple[Mailer, Mailer]:
    """The compiled and the reference mailer of *merchant* on the template in *folder*."""
    return (
        Mailer(merchant, template=folder, **options),
        Mailer(merchant, template=folder, precompile=False, **options),
    )


def compare(merchant: Any, folder: Path, order: Any, **options: Any) -> RenderedEmail:
    """Render *order* on both paths (and unfolded), assert they agree, return the email."""
    fast, slow = both(merchant, folder, **options)
    email = fast.render(order)
    assert_same_email(email, slow.render(order), unfolded_html(fast, fast.context(order)))
    return email


# -- hostile strings ------------------------------------------------------------------

#: Pieces of text that have broken (or could break) a template, an escaper or a fold.
HOSTILE = [
    "👩\u200d👩\u200d👧", "🏳️\u200d🌈", "🇩🇪", "🇯🇵", "🚚", "e\u0301", "\u0308", "\u0915\u094d\u0937",
    "שלום", "مرحبا بكم", "\u202e", "\u202d", "\u200f", "\u200e", "\u2067", "\u2069", "\u061c",
    "{{", "}}", "{%", "%}", "{#", "#}", "{{ 7*7 }}", "{% raw %}", "{% endraw %}", "{{ '{' }}",
    "<script>alert(1)</script>", "</td></tr></table>", "<!--", "-->", "<![endif]-->",
    "&amp;", "&", "<", ">", '"', "'", "\\", "\\n", "\\u{200d}", "%", "%%", "%(name)s", "%s",
    "\t", "\r\n", "\n", "\u2028", "\ufeff", "\x7f", "\x85", "\xa0", "\u3000",
    "\U000f0000", "\U000f0001", "\U000f00000\U000f0001", "\U000f00001\U000f0001",
    "dmtk00001x", "<!--dmtk00002x-->", "None", "Undefined",
]  # fmt: skip
#: Any other character, but those MJML cannot parse at all (C0 controls but tab and
#: line breaks, the noncharacters U+FFFE and U+FFFF, unassigned and surrogate code
#: points): the reference path fails on them (a CompileError), so they cannot be
#: compared; test_control_characters_fold_byte_for_byte takes them on the compiled
#: path alone.
CHARACTERS = st.characters(exclude_categories=("Cc", "Cs", "Cn")) | st.sampled_from("\t\n\r")
TEXT = st.lists(
    st.sampled_from(HOSTILE) | st.text(CHARACTERS, min_size=1, max_size=4), min_size=1, max_size=5
).map("".join)


def hostile(draw: st.DrawFn, *, size: int = 0) -> str:
    """A hostile text that stays text once stripped (the models strip white space);
    at most *size* characters when given."""
    text = draw(TEXT)
    if size:
        text = text[:size]
    return text if text.strip() else "x" + text


#: The keys of an order whose values are free text.
TEXT_KEYS = {
    "name", "first_name", "last_name", "company", "address1", "address2", "city", "region",
    "postal_code", "country", "phone", "value", "variant", "title", "code", "method",
    "card_brand", "number", "note", "gift_message", "sku",
}  # fmt: skip


def hostilized(draw: st.DrawFn, data: Any, key: str = "") -> Any:
    """*data* with (most of) its free text drawn hostile."""
    if isinstance(data, dict):
        return {k: hostilized(draw, v, k) for k, v in data.items()}
    if isinstance(data, list):
        return [hostilized(draw, item, key) for item in data]
    if key == "last_characters" and isinstance(data, str):
        return hostile(draw, size=8)
    if key in TEXT_KEYS and isinstance(data, str) and draw(st.integers(0, 5)):
        return hostile(draw)
    return data


BASE_ORDERS = [load(path) for path in ORDER_FILES] + order_matrix(40)
BASE_MERCHANT = load(EXAMPLES / "merchant.json")
WEBSITES = [None, "https://shop.example/", "https://shop.example/a/\"'<b>{{x}}%25"]


@st.composite
def orders(draw: st.DrawFn) -> dict[str, Any]:
    """One of the example or generated orders, its free text hostile."""
    order: dict[str, Any] = hostilized(draw, copy.deepcopy(draw(st.sampled_from(BASE_ORDERS))))
    for key in ("note", "gift_message"):
        if draw(st.booleans()):
            order[key] = hostile(draw)
    for line in order["lines"]:
        if draw(st.booleans()):
            line["variant"] = hostile(draw)
    order["extras"] = [hostile(draw) for _ in range(draw(st.integers(0, 2)))]
    return order


@st.composite
def merchants(draw: st.DrawFn) -> dict[str, Any]:
    """The demo merchant with every word of its own hostile, in one string or a table by
    language, with or without a website, a town, a role, a formal register."""

    def words() -> Any:
        if draw(st.booleans()):
            return hostile(draw)
        return {"en": hostile(draw), "de": hostile(draw)}

    def maybe(make: Callable[[], Any]) -> Any:
        return make() if draw(st.booleans()) else None

    colour = st.from_regex(r"\A#[0-9a-fA-F]{6}\Z")
    # Letters and digits: the font pattern's \w is pydantic-core's (Rust's), narrower
    # than Python's (no "²").
    font = st.text(st.characters(categories=("L", "Nd")) | st.sampled_from(" ,'\"-"), max_size=30)
    return {
        **BASE_MERCHANT,
        "name": hostile(draw),
        "city": maybe(words),
        "website": draw(st.sampled_from(WEBSITES)),
        "support_phone": maybe(lambda: hostile(draw)),
        "signer": {**BASE_MERCHANT["signer"], "name": hostile(draw), "role": maybe(words)},
        "voice": {
            "tone": draw(st.sampled_from(TONES)),
            "formality": draw(st.sampled_from([None, "informal", "formal"])),
            "packer": maybe(words),
            "team": maybe(words),
            "extras": [words() for _ in range(draw(st.integers(0, 2)))],
        },
        "theme": {
            "brand_color": draw(colour),
            "card_color": draw(colour),
            "font_family": draw(font).strip() or "serif",
        },
    }


#: Every design, built-in locale and tone, with the order's own locale: none, or one
#: that shares the catalog but not the formats (de_AT), or one with no catalog.
COMBINATIONS = list(
    product(
        available_templates(),
        i18n.available_locales(),
        TONES,
        [None, "de_AT", "en_GB", "fr", "ar"],
        [False, True],
    )
)
EXAMPLES_ENV = "DELIGHTMAIL_FOLD_EXAMPLES"
#: A few hundred by default (a tenth of a second each, mostly the reference path's MJML
#: and premailer): half a minute. DELIGHTMAIL_FOLD_EXAMPLES=5000 for thousands.
FOLD_EXAMPLES = int(os.environ.get(EXAMPLES_ENV, "250"))


@settings(
    max_examples=FOLD_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(order=orders(), merchant=merchants(), combination=st.sampled_from(COMBINATIONS))
def test_compiled_path_equals_reference_path_for_hostile_orders(
    order: dict[str, Any],
    merchant: dict[str, Any],
    combination: tuple[str, str, str, str | None, bool],
) -> None:
    """For every design, locale and tone, sandboxed or not, an order and a merchant with
    emoji, combining marks, right-to-left text, Jinja and HTML syntax, quotes, backslashes
    and markers in every text render the same on the compiled path as on the reference
    path (see :func:`comparable`), and byte for byte as the compiled HTML unfolded."""
    design, locale, tone, order_locale, sandbox = combination
    if order_locale is not None:
        order["locale"] = order_locale
    try:
        fast = Mailer(merchant, template=design, locale=locale, tone=tone, sandbox=sandbox)
        email = fast.render(order)
    except OrderValidationError:
        assume(False)  # a hostile text the models refuse (too long once joined, ...)
        raise
    slow = Mailer(
        merchant, template=design, locale=locale, tone=tone, sandbox=sandbox, precompile=False
    )
    assert_same_email(email, slow.render(order), unfolded_html(fast, fast.context(order)))


# -- what folds, and what never does ------------------------------------------------


def _plain(function: Callable[..., str]) -> Callable[..., str]:
    return function


def counting(decorate: Callable[[Callable[..., str]], Callable[..., str]]) -> Callable[..., str]:
    """A filter that numbers its calls (``Shop#1``, ``Shop#2``...), marked by *decorate*."""
    calls = count(1)

    def counter(value: object) -> str:
        return f"{value}#{next(calls)}"

    def passed_counter(_: object, value: object) -> str:
        return counter(value)

    return decorate(counter if decorate is _plain else passed_counter)


DECORATIONS = {
    "plain": _plain,
    "pass_context": jinja2.pass_context,
    "pass_eval_context": jinja2.pass_eval_context,
    "pass_environment": jinja2.pass_environment,
}
COUNTED = (
    "{{ merchant.name | counter }} {{ _('Total') | counter }} {{ theme.brand_color | counter }} "
    "{{ (_('Subtotal') | counter) if order.number else '' }}"
)


@pytest.fixture
def counter_filter(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Any], None]]:
    """Registers a filter named ``counter`` in the HTML and text environments."""

    def register(function: Any) -> None:
        for html in (True, False):
            monkeypatch.setitem(_templates.environment(html=html).filters, "counter", function)

    yield register


@pytest.mark.parametrize("decoration", sorted(DECORATIONS))
def test_an_undeclared_filter_never_folds(
    tmp_path: Path,
    merchant_data: dict[str, Any],
    order_data: dict[str, Any],
    counter_filter: Callable[[Any], None],
    decoration: str,
) -> None:
    """A filter nobody declared pure runs with each email, whatever Jinja's pass_ marks
    say (Jinja itself would fold all but pass_context): on the merchant's name, its theme
    and a translated word, it counts on in the compiled path as in the reference."""
    folder = template_folder(tmp_path, COUNTED, COUNTED + "\n")
    emails = []
    for precompile in (True, False):
        counter_filter(counting(DECORATIONS[decoration]))
        mailer = Mailer(merchant_data, template=folder, precompile=precompile)
        emails.append([mailer.render(order_data), mailer.render(order_data)])
    (first, second), reference = emails
    assert "Groove Harbor Records#13 " in second.text  # it ran again: 4 calls a part
    assert [first.text, second.text] == [email.text for email in reference]
    assert [comparable(first.html), comparable(second.html)] == [
        comparable(email.html, reference=True) for email in reference
    ]


def test_a_filter_declared_pure_folds(
    tmp_path: Path,
    merchant_data: dict[str, Any],
    order_data: dict[str, Any],
    counter_filter: Callable[[Any], None],
) -> None:
    """The same counting filter, declared pure: what it makes of the merchant's name and
    the catalog's word is computed when the mailer is made, not in each email."""
    counter_filter(pure(counting(_plain)))
    folder = template_folder(tmp_path, "{{ merchant.name | counter }}", "{{ _('x') | counter }}")
    mailer = Mailer(merchant_data, template=folder)
    first, second = mailer.render(order_data), mailer.render(order_data)
    assert first == second
    assert re.search(r"Groove Harbor Records#\d\b", first.html) and re.match(r"x#\d$", first.text)


def test_locale_filters_never_fold_across_a_shared_catalog(
    tmp_path: Path, merchant_data: dict[str, Any], order_data: dict[str, Any]
) -> None:
    """de and de_AT share a catalog (and a compiled template), not their formats: money,
    dates and a merchant's words by language (``local``) are each email's own."""
    data = {**merchant_data, "city": {"de": "Wien-de", "de_AT": "Wien-at", "en": "Vienna"}}
    folder = template_folder(
        tmp_path,
        "{{ merchant.city | local }} {{ order.total | money }} {{ placed_at | date }}",
        "{{ merchant.city | local }} {{ order.total | money }} {{ placed_at | date }}\n",
    )
    mailer = Mailer(data, template=folder, locale="de")
    seen = set()
    for locale in ("de", "de_AT", "de_CH"):
        order = {**order_data, "locale": locale}
        fast, slow = (
            mailer.render(order),
            Mailer(data, folder, "de", precompile=False).render(order),
        )
        assert_same_email(fast, slow, unfolded_html(mailer, mailer.context(order)))
        seen.add(fast.text)
    assert len(seen) == 3


MARKUP = "<b>&\"'</b>"


def test_a_folded_merchant_value_is_escaped_as_at_render_time(
    tmp_path: Path, merchant_data: dict[str, Any], order_data: dict[str, Any]
) -> None:
    """A merchant named ``<b>&"'</b>`` is folded into the HTML escaped, exactly as Jinja
    escapes it in an email (and as the reference path shows it), and as it is into
    the text part."""
    data = {**merchant_data, "name": MARKUP}
    body = '{{ merchant.name }} <a href="https://x.example/" title="{{ merchant.name }}">x</a>'
    email = compare(data, template_folder(tmp_path, body, "{{ merchant.name }}\n"), order_data)
    assert "&lt;b&gt;&amp;&#34;&#39;&lt;/b&gt;" in email.html and "<b>" not in email.html
    assert email.text == MARKUP + "\n"


class Catalog(gettext.NullTranslations):
    """A catalog whose every word is hostile: markup (trusted, as a catalog is), Jinja
    syntax, quotes, backslashes, emoji, combining marks, right-to-left text, a marker
    (its percent signs doubled, as newstyle gettext wants them)."""

    WORDS = (
        "<b>tr</b> {{ 7*7 }} {%% if x %%} #} {# \"q\" 's' \\ \\n 👩\u200d👩\u200d👧 🇩🇪 e\u0301 "
        "שלום \u202e %% \U000f00000\U000f0001"
    )

    def gettext(self, message: str) -> str:
        return f"{self.WORDS} [{message}]"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"{self.WORDS} [{singular if n == 1 else plural}]"

    def pgettext(self, context: str, message: str) -> str:
        return f"{self.WORDS} [{context}|{message}]"

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return f"{self.WORDS} [{context}|{singular if n == 1 else plural}]"


TRANSLATED = (
    '{{ _(\'Shipping 🚚\') }} | {{ _("Say \\"hi\\" \\\\ 🚚") }} | '
    "{{ _('Total') if order.number else '' }} | {{ _('Total') | upper }} | "
    "{{ ngettext('one', '%(num)d many', 3) }} | {{ pgettext('menu', 'File') }} | "
    "{{ _('Hi %(name)s', name=merchant.name) }} | {% trans %}A trans block{% endtrans %} | "
    "{{ gettext('Subtotal') ~ order.number }}"
)


def test_translations_stay_strings(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    merchant_data: dict[str, Any],
    order_data: dict[str, Any],
) -> None:
    """Every kind of literal gettext call, its words from a hostile catalog, comes out
    byte for byte as the call itself would print it, in both parts: no text round trip
    (a surrogate pair, a re-read ``{{``, a lost backslash) and trusted markup in HTML."""
    monkeypatch.setattr(i18n, "translations", lambda locale: Catalog())
    data = {**merchant_data, "name": MARKUP}
    email = compare(data, template_folder(tmp_path, TRANSLATED, TRANSLATED + "\n"), order_data)
    words = Catalog.WORDS % {}
    assert email.text.count(words) == 8 and email.text.count(words.upper()) == 1
    assert email.html.count(words) == 8 and "&lt;b&gt;&amp;&#34;&#39;&lt;/b&gt;" in email.html
    email.to_bytes(sender="Shop <shop@example.com>")  # encodes: no lone surrogate


def test_an_emoji_in_a_template_word_survives_in_both_parts(
    tmp_path: Path, merchant: Merchant
) -> None:
    """``_("Shipping 🚚")`` in the built-in template's HTML and text comes out whole on the
    compiled path, as on the reference, never as lone surrogates."""
    folder = copy_templates(tmp_path) / "postcard"
    for name in ("totals.mjml.j2", "totals.txt.j2"):
        edit(folder.parent / "partials" / name, '_("Shipping")', '_("Shipping 🚚")')
    order = load(ORDER_FILES[0])
    email = compare(merchant, folder, order)
    assert "Shipping 🚚" in email.html and "Shipping 🚚 " in email.text
    email.to_bytes(sender="Shop <shop@example.com>")


SHADOWS = [
    ("{% set merchant = {'name': 'Shadow'} %}{{ merchant.name }}", "Shadow"),
    ("{% set theme = {'brand_color': 'shadow'} %}{{ theme.brand_color }}", "shadow"),
    ("{% for merchant in [{'name': 'Shadow'}] %}{{ merchant.name }}{% endfor %}", "Shadow"),
    ("{% with theme = {'brand_color': 'shadow'} %}{{ theme.brand_color }}{% endwith %}", "shadow"),
    ("{% macro m(merchant) %}{{ merchant.name }}{% endmacro %}{{ m({'name': 'Sh'}) }}", "Sh"),
    ("{% macro _(s) %}Shadow {{ s }}{% endmacro %}{{ _('x') }}", "Shadow x"),
    ("{% macro gettext(s) %}Shadow {{ s }}{% endmacro %}{{ gettext('x') }}", "Shadow x"),
    ("{% macro theme() %}{% endmacro %}{{ theme.brand_color is defined }}", "False"),
    ("{% set dir = 'sideways' %}{{ dir }}", "sideways"),
    ("{% for start in ['top'] %}{{ start }}{% endfor %}", "top"),
    ("{% with lang = 'xx' %}{{ lang }} {{ end }}{% endwith %}", "xx right"),
]  # fmt: skip


SIDES = "{{ lang }} {{ dir }} {{ start }} {{ end }} {{ _('Total') }}"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "en ltr left right Total"),
        ("de_AT", "de ltr left right Gesamt"),
        ("he", "he rtl right left"),
        ("ja_JP", "ja ltr left right"),
        ("zh_TW", "en ltr left right Total"),  # no catalog: the mailer's language, English
    ],
)
def test_the_language_and_its_sides_fold_for_the_catalog(
    tmp_path: Path,
    merchant_data: dict[str, Any],
    order_data: dict[str, Any],
    locale: str,
    expected: str,
) -> None:
    """``lang``, ``dir``, ``start`` and ``end`` are the catalog's (the template is compiled
    for each): folded, they print what the email's context says, on both paths, and no
    email looks them up."""
    folder = template_folder(tmp_path, SIDES, SIDES + "\n")
    order = {**order_data, "locale": locale}
    email = compare(merchant_data, folder, order)
    mailer = Mailer(merchant_data, template=folder)
    context = mailer.context(order)
    sides = " ".join(context[name] for name in ("lang", "dir", "start", "end"))
    assert email.text.replace(i18n.RLM, "").startswith(expected) and expected.startswith(sides)
    assert not {"'lang'", "'dir'", "'start'", "'end'"} & _strings_in_html(mailer, order)


GREETINGS = (
    "{{ _('Hi %(name)s!', name=customer.first_name) }}"
    " {{ pgettext('greeting', 'Hi %(name)s!', name=customer.first_name) }}"
    " {{ (_('Hi %(name)s!', name=customer.first_name) ~ '!') | upper }}"
)
#: A template that sets ``dir`` itself, which the formatting reads (in a loop, there).
GREETINGS_DIR = (
    GREETINGS + " {% for x in [1] %}{% set dir = 'rtl' %}"
    "{{ _('Hi %(name)s!', name=customer.first_name) }}{% endfor %}"
)


@pytest.mark.parametrize("name", ["Sam", "<b>&\"'%(name)s%%</b>", "שלום", "\U000f00000\U000f0001"])
def test_a_translation_folds_apart_from_its_variables(
    tmp_path: Path,
    merchant_data: dict[str, Any],
    order_data: dict[str, Any],
    name: str,
) -> None:
    """``_("Hi %(name)s!", name=...)``: the catalog's words are looked up once, when the
    mailer is made, and formatted with each email's variables, escaped in HTML, as the
    reference path formats them; in a template that sets ``dir`` itself, every such
    call renders with each email."""
    customer = {**order_data["customer"], "first_name": name}
    order = {**order_data, "locale": "de", "customer": customer}
    # (No German words for the greeting in its context: pgettext gives the English.)
    said = f"Hallo {name}! Hi {name}! HALLO {name.upper()}!!"
    for text in (GREETINGS, GREETINGS_DIR):
        email = compare(merchant_data, template_folder(tmp_path, text, text + "\n"), order)
        assert email.text.startswith(said)
        assert said in lxml.html.document_fromstring(email.html).text_content()
        names = _strings_in_html(Mailer(merchant_data, template=tmp_path / "template"), order)
        folded = "'Hallo %(name)s!'" in names and "'greeting'" not in names
        assert folded == (text == GREETINGS)
    assert f"Hallo \u2068{name}\u2069!" in email.text  # the loop's dir: the name is isolated


def _strings_in_html(mailer: Mailer, order: dict[str, Any]) -> set[str]:
    """The string constants (as reprs) of the HTML template *mailer* compiled for
    *order*'s catalog: what its emails print or look up as they are, not folded."""
    template, _ = mailer._html_for(mailer.context(order)["catalog"])
    return set(_strings(template.root_render_func.__code__))


def _strings(code: Any) -> Iterator[str]:
    """The string constants of *code* and of the code inside it, as reprs."""
    for const in code.co_consts:
        if isinstance(const, str):
            yield repr(const)
        elif hasattr(const, "co_consts"):
            yield from _strings(const)


@pytest.mark.parametrize(("text", "expected"), SHADOWS, ids=[s[:32] for s, _ in SHADOWS])
def test_a_name_the_template_binds_itself_never_folds(
    tmp_path: Path,
    merchant_data: dict[str, Any],
    order_data: dict[str, Any],
    text: str,
    expected: str,
) -> None:
    """``merchant``, ``theme`` or ``_`` bound by set, for, with, a macro or its arguments is
    the template's own, read off the syntax tree: it prints what it is bound to."""
    email = compare(merchant_data, template_folder(tmp_path, text, text + "\n"), order_data)
    assert email.text.strip() == expected


WHITESPACE = (
    "A  {{- merchant.name -}}  B\n"
    "{% if merchant.name %}\n  {{ merchant.name }}  \n{% endif %}\n"
    "{%- for x in [1] -%}  {{ _('x') }}  {%- endfor %}\n"
    "  {{ theme.brand_color }} {{ merchant.name ~ '-' -}}\n   end\n"
)


def test_whitespace_control_is_kept(
    tmp_path: Path, merchant_data: dict[str, Any], order_data: dict[str, Any]
) -> None:
    """``{{-``, ``-}}``, trimmed blocks and stripped indents around a folded value print
    exactly as they do when the value is rendered with the email."""
    compare(merchant_data, template_folder(tmp_path, WHITESPACE, WHITESPACE), order_data)


def test_nothing_folds_inside_autoescape_blocks(
    tmp_path: Path, merchant_data: dict[str, Any], order_data: dict[str, Any]
) -> None:
    """Inside ``{% autoescape false %}`` a value prints unescaped: folded outside it, it
    would not."""
    text = (
        "{% autoescape false %}{{ merchant.name }} {{ _('Hi %(n)s', n=merchant.name) }}"
        "{% endautoescape %} {{ merchant.name }}"
    )
    data = {**merchant_data, "name": "<i>shop</i>"}
    email = compare(data, template_folder(tmp_path, text, "x\n"), order_data)
    assert "<i>shop</i> Hi <i>shop</i> &lt;i&gt;" in email.html


def test_a_value_that_fails_for_a_merchant_renders_with_each_email(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    merchant_data: dict[str, Any],
    order_data: dict[str, Any],
) -> None:
    """``merchant.website.host`` cannot be known for a merchant without a website: it
    stays in the template, guarded (and never printed) or not (and then failing with each
    email at its line, as on the reference path). The template without it compiles once
    for every merchant without a website."""
    guarded = "{% if merchant.website %}{{ merchant.website.host }}{% endif %}{{ merchant.name }}"
    folder = template_folder(tmp_path, guarded, guarded + "\n")
    compare({**merchant_data, "website": None}, folder, order_data)
    compiles = []
    real = _templates._compile
    monkeypatch.setattr(_templates, "_compile", lambda *a: compiles.append(a) or real(*a))
    other = {**merchant_data, "website": None, "name": "Another shop"}
    assert "Another shop" in Mailer(other, template=folder).render(order_data).text
    assert not compiles

    bare = tmp_path / "bare"
    bare.mkdir()
    unguarded = template_folder(
        bare, "<p>\n{{ merchant.website.host }}</p>", "{{ merchant.name }}\n"
    )
    for precompile in (True, False):
        mailer = Mailer({**merchant_data, "website": None}, unguarded, precompile=precompile)
        with pytest.raises(TemplateError, match=r"email\.mjml\.j2, line 3: .*host"):
            mailer.render(order_data)


def test_a_sandboxed_template_folds_only_through_the_sandbox(
    tmp_path: Path, merchant_data: dict[str, Any], order_data: dict[str, Any]
) -> None:
    """In the sandbox a value is folded by rendering it through the sandbox: what the
    sandbox refuses is not folded, and fails with each email at its line, as on the
    reference path; what it allows folds."""
    text = "{{ merchant.name }}\n{{ merchant.name | center(10**6) }}\n"
    folder = template_folder(tmp_path, "{{ merchant.name | upper }}", text)
    for precompile in (True, False):
        mailer = Mailer(merchant_data, template=folder, sandbox=True, precompile=precompile)
        with pytest.raises(TemplateError, match=r"email\.txt\.j2, line 2: .*more than"):
            mailer.render(order_data)
    (folder / TEMPLATE_FILES[1]).write_text("{{ merchant.name | center(30) }}\n")
    compare(merchant_data, folder, order_data, sandbox=True)


def test_control_characters_fold_byte_for_byte(
    merchant_data: dict[str, Any], order_data: dict[str, Any]
) -> None:
    """Control characters, which MJML cannot parse, are dropped when the merchant and the
    order are validated; what is left folds byte for byte as when rendered with the email."""
    weird = "".join(chr(c) for c in range(32)) + "\ufffe\uffff"
    data = {**merchant_data, "name": "Shop" + weird, "signer": {"name": weird + "Maya"}}
    order = copy.deepcopy(order_data)
    order["customer"]["first_name"] = "Sam" + weird
    mailer = Mailer(data)
    email = mailer.render(order)
    assert email.html == unfolded_html(mailer, mailer.context(order))
    assert mailer.merchant.name == "Shop" and mailer.merchant.signer.name == "Maya"
    assert not any(char in email.html + email.text for char in weird if char not in "\t\n")


# -- printing: each autoescaped value as Jinja prints it ------------------------------


class _Html:
    """An object that prints itself as markup, as a ``__html__`` method says."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __html__(self) -> str:
        return f"<q>{self.text}</q>"


class _Subclass(str):
    """A string of a class of its own (a URL type, say)."""


#: Every way a template prints a value in HTML: a ``{{ }}`` alone, among text, in a
#: macro, a call block, a filter block, a block set, a loop, and where escaping is off.
PRINTS = (
    "{{ v }}|a {{ v }} b {{ v }}"
    "|{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(v) }}"
    "|{% macro c() %}[{{ caller() }}]{% endmacro %}{% call c() %}{{ v }}{% endcall %}"
    "|{% filter upper %}{{ v }}{% endfilter %}"
    "|{% set s %}({{ v }}){% endset %}{{ s }}"
    "|{% for x in [v, v] %}{{ x }}{{ loop.index }}{% endfor %}"
    "|{% autoescape false %}{{ v }}{% endautoescape %}|{{ v ~ v }}"
)
VALUES = st.one_of(
    st.text(),
    st.text().map(Markup),
    st.text().map(_Subclass),
    st.text().map(_Html),
    st.integers(-_templates.SANDBOX_MAX_ARGUMENT, _templates.SANDBOX_MAX_ARGUMENT),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.none(),
    st.booleans(),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=VALUES)
def test_values_print_as_jinja_prints_them(value: Any) -> None:
    """Our environments print values with a code generator of their own (no Markup made
    of a value only to join it into the page): whatever the value and wherever it is
    printed, the page is what Jinja's own environment makes of it, byte for byte."""
    stock = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    for sandbox in (False, True):
        ours = _templates.environment(html=True, sandbox=sandbox)
        template = _templates.load(ours, PRINTS, "prints.html")
        assert template.render(v=value) == stock.from_string(PRINTS).render(v=value)


def test_an_undefined_value_fails_as_in_jinja() -> None:
    """A value that is not there is an error naming it, not an empty string."""
    template = _templates.load(_templates.environment(html=True), "{{ nothing }}", "x.html")
    with pytest.raises(jinja2.UndefinedError, match="'nothing' is undefined"):
        template.render()
