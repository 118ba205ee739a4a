"""The compiler: every Jinja tag survives MJML and premailer, or an error says which did not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from delightmail import CompileError, Mailer, Merchant, TemplateError
from delightmail.compiler import _account, compile_source, protect_literal, scan_tags, tokenize

from .conftest import FIXTURES, ORDER_FILES, load


def mjml(body: str, head: str = "") -> str:
    return f"<mjml><mj-head>{head}</mj-head><mj-body>{body}</mj-body></mjml>"


def section(content: str) -> str:
    return f"<mj-section><mj-column>{content}</mj-column></mj-section>"


def test_scan_tags_skips_delimiters_inside_strings() -> None:
    """A '}}' inside a string literal does not end the tag."""
    tags = scan_tags('a {{ "}}" ~ x }} b {% if y %}{# note #}{% endif %}')
    assert [t.text for t in tags] == ['{{ "}}" ~ x }}', "{% if y %}", "{# note #}", "{% endif %}"]
    assert [t.kind for t in tags] == ["expression", "statement", "comment", "statement"]


def test_scan_tags_reports_unclosed_tag_line() -> None:
    """An unclosed tag is a compile error with its line."""
    with pytest.raises(CompileError, match=r"t\.mjml\.j2, line 2: unclosed tag"):
        scan_tags("ok\n{{ oops", "t.mjml.j2")


def test_tokens_are_opaque_and_statements_are_comments() -> None:
    """Expressions become bare tokens, statements HTML comments, Jinja comments vanish."""
    tokenized = tokenize("<p>{# hi #}{% if a %}{{ b }}{% endif %}</p>", "t")
    assert tokenized.mjml == "<p><!--dmtk00000x-->dmtk00001x<!--dmtk00002x--></p>"


def test_compiled_template_restores_every_tag() -> None:
    """After MJML and premailer, the Jinja tags are back where they were."""
    source = mjml(
        section(
            '<mj-text css-class="x">{% for a in items %}<p>{{ a }}</p>{% endfor %}</mj-text>'
            '<mj-button href="{{ url }}">Go</mj-button>'
        ),
        head='<mj-style inline="inline">.x p { color: {{ color }}; }</mj-style>',
    )
    compiled = compile_source(source, "t.mjml.j2").jinja_source().source
    assert "{% for a in items %}" in compiled and "{% endfor %}" in compiled
    assert 'href="{{ url }}"' in compiled
    assert re.search(r'<p style="[^"]*color:\{\{ color \}\}"', compiled)
    assert "dmtk" not in compiled


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("a{#outlook a}", "{% raw %}a{#outlook a}{% endraw %}"),
        ("x {{y", "{% raw %}x {{y{% endraw %}"),
        ("plain { css }", "plain { css }"),
    ],
    ids=["css-hash", "double-brace", "plain"],
)
def test_literal_braces_from_mjml_are_protected(literal: str, expected: str) -> None:
    """MJML's or premailer's own text that looks like Jinja is wrapped in raw, not parsed."""
    assert protect_literal(literal) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            mjml(section('<mj-text css-class="{% if x %}a{% endif %}">a</mj-text>')),
            r"line 1: statement '\{% if x %\}' sits inside an HTML tag",
        ),
        (mjml('{% include "part.mjml" %}'), r"\{% include %\} is not supported"),
        (mjml(section("<mj-text>a</mj-text>")) + "dmtk00001x", "reserved for the compiler"),
        (
            mjml(section('<mj-text data-x="{{ order.number }}">a</mj-text>')),
            r"dropped the expression: \{\{ order.number \}\}",
        ),
        (
            "<mjml>\n<mj-head>\n<mj-title>{% if x %}a{% endif %}</mj-title>\n</mj-head>\n"
            "<mj-body></mj-body></mjml>",
            "line 3: MJML could not compile the template",
        ),
    ],
    ids=["statement-in-attribute", "include", "reserved-token", "dropped-by-mrml", "mjml-error"],
)
def test_compile_errors_name_file_and_line(source: str, message: str) -> None:
    """Each way a template can break compilation names the file, line and tag."""
    with pytest.raises(CompileError, match=message) as info:
        compile_source(source, "t.mjml.j2")
    assert info.value.filename == "t.mjml.j2"


def _tags(source: str) -> list:  # type: ignore[type-arg]
    return tokenize(source, "t").tags


ACCOUNT_SOURCE = "{{ a }}{% for x in xs %}{{ x }}{% endfor %}{% if y %}{{ y }}{% endif %}"
# Tokens: 0 = a, 1 = for, 2 = x, 3 = endfor, 4 = if, 5 = y, 6 = endif


@pytest.mark.parametrize(
    ("html", "message"),
    [
        (
            "dmtk00000x<!--dmtk00001x--><!--dmtk00003x--><!--dmtk00004x-->dmtk00005x"
            "<!--dmtk00006x-->",
            r"line 1: MJML or premailer dropped the expression: \{\{ x \}\}",
        ),
        (
            "dmtk00000x<!--dmtk00001x-->dmtk00002x<!--dmtk00004x-->dmtk00005x<!--dmtk00006x-->",
            r"dropped the statement: \{% endfor %\}",
        ),
        (
            "dmtk00000x<!--dmtk00001x-->dmtk00002x<!--dmtk00003x--><!--dmtk00003x-->"
            "<!--dmtk00004x-->dmtk00005x<!--dmtk00006x-->",
            r"duplicated the statement: \{% endfor %\}",
        ),
        (
            "dmtk00000x<!--dmtk00001x--><!--dmtk00003x-->dmtk00002x<!--dmtk00004x-->"
            "dmtk00005x<!--dmtk00006x-->",
            r"moved the expression out of its block: \{\{ x \}\}",
        ),
        (
            "dmtk00000x<!--dmtk00004x-->dmtk00005x<!--dmtk00006x--><!--dmtk00001x-->dmtk00002x"
            "<!--dmtk00003x-->",
            "moved the statement out of order",
        ),
        (
            "dmtk00000x<!--dmtk00001x-->dmtk00002x<!--dmtk00003x--><!--dmtk00004x-->dmtk0000"
            "<!--dmtk00006x-->dmtk00005x",
            "moved the expression out of its block",
        ),
    ],
    ids=["dropped-expression", "dropped-statement", "duplicated", "moved-out", "reordered",
         "mangled"],
)  # fmt: skip
def test_accounting_catches_lost_and_moved_tags(html: str, message: str) -> None:
    """A token that MJML or premailer lost, doubled or moved is a compile error."""
    with pytest.raises(CompileError, match=message):
        _account(html, _tags(ACCOUNT_SOURCE), "t")


def test_accounting_allows_copies_deeper_but_not_out() -> None:
    """A top-level value copied into a loop (mj-attributes) is fine."""
    html = (
        "dmtk00000x<!--dmtk00001x-->dmtk00002x dmtk00000x<!--dmtk00003x--><!--dmtk00004x-->"
        "dmtk00005x<!--dmtk00006x-->"
    )
    _account(html, _tags(ACCOUNT_SOURCE), "t")


def test_else_branches_are_separate_blocks() -> None:
    """An expression from the if-branch may not turn up in the else-branch."""
    tags = _tags("{% if a %}{{ b }}{% else %}{{ c }}{% endif %}")
    _account("<!--dmtk00000x-->dmtk00001x<!--dmtk00002x-->dmtk00003x<!--dmtk00004x-->", tags, "t")
    with pytest.raises(CompileError, match="moved the expression"):
        _account("<!--dmtk00000x--><!--dmtk00002x-->dmtk00001x dmtk00003x<!--dmtk00004x-->",
                 tags, "t")  # fmt: skip


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("syntax-error", r"syntax-error/email.mjml.j2, line 4: .*endif"),
        ("dropped-tag", r"dropped-tag/email.mjml.j2, line 5: .*dropped the expression"),
        ("text-error", r"text-error/email.txt.j2, line 3: No filter named 'no_such_filter'"),
    ],
    ids=["syntax-error", "dropped-tag", "text-error"],
)
def test_broken_template_folders_fail_at_construction(
    merchant: Merchant, folder: str, message: str
) -> None:
    """A broken template fails when the Mailer is made, naming its file and line."""
    with pytest.raises(TemplateError, match=message):
        Mailer(merchant=merchant, template=FIXTURES / "templates" / folder)


def test_a_css_rule_that_matches_nothing_may_take_its_value_with_it(
    tmp_path: Path, merchant: Merchant
) -> None:
    """premailer drops an inlined CSS rule that matches no element of this design, and the
    value in it: that is no lost tag, while a value lost anywhere else still is."""
    design = tmp_path / "mine"
    design.mkdir()
    (design / "email.mjml.j2").write_text(
        '{% extends "layout/base.mjml.j2" %}\n{% block styles %}{{ super() }}\n'
        "      .no-such-element { color: {{ theme.brand_color }}; }\n{% endblock %}\n",
        encoding="utf-8",
    )
    (design / "email.txt.j2").write_text('{% extends "layout/base.txt.j2" %}\n')
    order = load(ORDER_FILES[0])
    fast = Mailer(merchant, template=design).render(order)
    slow = Mailer(merchant, template=design, precompile=False).render(order)
    assert fast.text == slow.text and "no-such-element" not in fast.html
    tags = _tags("{{ a }}{{ b }}")
    _account("dmtk00000x", tags, "t", in_css=frozenset({1}))  # b was in CSS: fine
    with pytest.raises(CompileError, match="dropped the expression"):
        _account("dmtk00001x", tags, "t", in_css=frozenset({1}))  # a was not
