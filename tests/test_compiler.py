"""The compiler: every Jinja tag survives MJML and premailer, or an error says which did not."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from delightmail import CompileError, Mailer, Merchant, TemplateError
from delightmail._templates import nesting_problem
from delightmail.cli import cli
from delightmail.compiler import (
    _account,
    compile_source,
    markup_problems,
    protect_literal,
    scan_tags,
    tokenize,
)
from delightmail.preview import Gallery

from .conftest import EXAMPLES, FIXTURES, ORDER_FILES, ROOT, load


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
            r"line 3: MJML: unexpected token \{% if x %\}",
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


# -- errors at the author's own line ---------------------------------------------------

BROKEN = FIXTURES / "templates"


BROKEN_CASES = [
    (
        "unclosed-if-partial", "partials/header.mjml.j2", 4,
        "{% if merchant.logo_url %} is never closed (expected {% endif %})",
    ),
    (
        "unclosed-for-block", "email.mjml.j2", 3,
        "{% for line in lines_shown %} is never closed "
        "(expected {% endfor %} before {% endblock %} on line 5)",
    ),
    ("stray-endif", "partials/note.mjml.j2", 3, "{% endif %} has no {% if %} to close"),
    (
        "endfor-closes-if", "email.mjml.j2", 5,
        "{% endfor %} has no {% for %} to close: the open tag is {% if order.note %} "
        "(line 3), closed by {% endif %}",
    ),
    (
        "unclosed-block-text", "email.txt.j2", 2,
        "{% block signoff %} is never closed (expected {% endblock %})",
    ),
    (
        "syntax-error", "email.mjml.j2", 4,
        "{% if order.gift %} is never closed (expected {% endif %})",
    ),
    (
        "mjml-unknown-element", "partials/footer.mjml.j2", 3,
        "MJML: unexpected element <mj-colum> (MJML has no such element)",
    ),
    (
        "mjml-unclosed-section", "partials/footer.mjml.j2", 2,
        "MJML: <mj-section> is never closed (expected </mj-section> before </mj-body>)",
    ),
    (
        "mjml-bad-attribute", "partials/footer.mjml.j2", 4,
        "MJML: the value of 'align' in <mj-text> is not quoted",
    ),
    (
        "mjml-misplaced-element", "email.mjml.j2", 3,
        "MJML: unexpected token <mj-text> inside <mj-image>",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("folder", "file", "line", "message"), BROKEN_CASES, ids=[case[0] for case in BROKEN_CASES]
)
def test_a_broken_template_names_the_line_where_the_mistake_is(
    merchant: Merchant, folder: str, file: str, line: int, message: str
) -> None:
    """Each broken fixture is one error naming the file the mistake is in (a partial, a
    block of the design, the text part) and its own line: an unclosed tag's opening line,
    not the end of the file; an MJML error mapped back through the tokens."""
    with pytest.raises(TemplateError) as info:
        Mailer(merchant=merchant, template=BROKEN / folder)
    error = info.value
    assert (error.filename, error.lineno) == (str(BROKEN / folder / file), line)
    assert str(error) == f"{BROKEN / folder / file}, line {line}: {message}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% if a %}\n{% for b in c %}{% endfor %}\n", ("{% if a %} is never closed", 1)),
        ("a\n{% raw %}{% if x %}\n", ("{% raw %} is never closed (expected {% endraw %})", 2)),
        ("{% raw %}{% if x %}{% endraw %}\n{% endif %}", ("{% endif %} has no {% if %}", 2)),
        ("x\n\n{% else %}", ("{% else %} is outside any {% if %} or {% for %}", 3)),
        ("{% set x %}\n{% if y %}{% endif %}", ("{% set x %} is never closed", 1)),
        ("{%- macro m() -%}\n{%+ call m() %}\n", ("{% call m() %} is never closed", 2)),
        ("{% if " + "a" * 500 + " %}", ("{% if " + "a" * 56 + "… %} is never closed", 1)),
        ("{% if a %}{% with %}{% else %}", ("{% with %} is never closed (expected {% endwith %} "
                                            "before {% else %} on line 1)", 1)),
        ("{% set x = 1 %}{% if a %}{% elif b %}{% else %}{% endif %}{% raw %}{% if %}"
         "{% endraw %}{% for a in b %}{% else %}{% endfor %}", None),
    ],
    ids=["inner-closed", "raw", "inside-raw-is-text", "stray-else", "block-set",
         "modifiers", "bounded", "middle-of-outer", "valid"],
)  # fmt: skip
def test_nesting_problems_are_named_at_their_own_line(
    source: str, expected: tuple[str, int] | None
) -> None:
    """Statements are paired as Jinja pairs them; what is left open is named at its own
    line, quoted on one line and bounded."""
    found = nesting_problem(source)
    if expected is None:
        assert found is None
    else:
        assert found is not None and found[0].startswith(expected[0]) and found[1] == expected[1]


@pytest.mark.parametrize(
    ("source", "message", "line"),
    [
        ("<mjml>\n<mj-body>\n<mj-section>\n</mj-body></mjml>", "<mj-section> is never closed", 3),
        ("<mjml><mj-body>\n<mj-text><p>a</mj-text></mj-body></mjml>", "<p> is never closed", 2),
        ("<mjml><mj-body></mj-body></mjml>\n</mj-section>", "</mj-section> closes no element", 2),
        ('<mjml><mj-body>\n<mj-image src="a.png></mj-body></mjml>', "is never closed (its", 2),
        ("<mjml><mj-body>\n<mj-text>a < b</mj-text>", "a '<' that starts no element", 2),
        ("<mjml><mj-body>\n<!-- a <mj-text>", "a comment <!-- is never closed", 2),
        ("<mjml><mj-body>\n<mj-text>a</mj-text x></mj-body></mjml>", "cannot read the end", 2),
    ],
    ids=["unclosed", "unclosed-html", "stray-close", "open-quote", "bare-lt", "comment",
         "attribute-on-end-tag"],
)  # fmt: skip
def test_markup_problems_have_their_place(source: str, message: str, line: int) -> None:
    """The tolerant reading finds what MRML reports with no position, and where it is."""
    problems = markup_problems(source)
    assert problems and message in problems[0].message
    assert source.count("\n", 0, problems[0].offset) + 1 == line


def test_every_built_in_design_reads_without_a_markup_problem(merchant: Merchant) -> None:
    """No false alarm: every design as MRML gets it (tokens in place) reads clean, void
    elements, comments, mj-raw and inlined CSS included."""
    for folder in (ROOT / "templates" / "postcard", ROOT / "templates" / "receipt",
                   EXAMPLES / "templates" / "letterpress"):  # fmt: skip
        mailer = Mailer(merchant=merchant, template=folder)
        composed = mailer._html.source
        assert markup_problems(tokenize(composed, folder.name).mjml) == [], folder


def test_an_mrml_position_is_the_template_line_in_any_file() -> None:
    """Where MRML names a byte offset (after multibyte text), it is mapped through the
    tokens to the template's own line."""
    source = mjml(
        section("<mj-text>{{ a }} ü ø 🎁</mj-text>")
        + "\n{% if b %}\n<mj-titl>x</mj-titl>{% endif %}"
    )
    with pytest.raises(CompileError) as info:
        compile_source(source, "t.mjml.j2")
    assert info.value.lineno == 3
    assert info.value.message == "MJML: unexpected element <mj-titl> (MJML has no such element)"


def test_cli_reports_a_template_error_in_one_line(tmp_path: Path) -> None:
    """render and check: one line naming the partial and its line, exit 1, no traceback,
    and nothing written."""
    folder = BROKEN / "mjml-unclosed-section"
    for command in ("render", "check"):
        extra = ["-o", str(tmp_path)] if command == "render" else []
        result = CliRunner().invoke(
            cli,
            [command, str(ORDER_FILES[0]), "--merchant", str(EXAMPLES / "merchant.json"),
             "--template", str(folder), *extra],
        )  # fmt: skip
        assert result.exit_code == 1, result.output
        expected = f"error: {folder / 'partials/footer.mjml.j2'}, line 2: MJML: <mj-section>"
        assert result.stderr.startswith(expected) and result.stderr.count("\n") == 1
        assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_preview_card_shows_the_unclosed_tags_own_line() -> None:
    """The preview's error card (str of the error) names the partial and the tag's line."""
    gallery = Gallery(
        EXAMPLES / "orders",
        EXAMPLES / "merchant.json",
        template_dirs=(BROKEN,),
        templates=("unclosed-if-partial",),
    )
    result = gallery.render(gallery.entries()[0])
    partial = BROKEN / "unclosed-if-partial" / "partials" / "header.mjml.j2"
    assert result.email is None
    assert result.error == (
        f"{partial}, line 4: {{% if merchant.logo_url %}} is never closed (expected {{% endif %}})"
    )


_OPENERS = {
    "if": "{% if probe %}", "for": "{% for probe in probes %}", "with": "{% with probe = 1 %}",
    "filter": "{% filter upper %}", "macro": "{% macro probe() %}",
    "autoescape": "{% autoescape false %}",
}  # fmt: skip
_PROBED = sorted(
    str(path.relative_to(ROOT / "templates"))
    for path in (ROOT / "templates").rglob("*.j2")
    if "postcard" not in path.parts and "receipt" not in path.parts
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=st.sampled_from(_PROBED), kind=st.sampled_from(sorted(_OPENERS)), data=st.data())
def test_an_unclosed_tag_at_any_line_of_a_real_template_is_named_there(
    merchant: Merchant, file: str, kind: str, data: st.DataObject
) -> None:
    """An opening tag left unclosed at a random line of the layout or a partial (where no
    end tag of its kind could close it) is reported in that file at that line."""
    source = (ROOT / "templates" / file).read_text(encoding="utf-8")
    assume(f"end{kind}" not in source)
    spans = [(tag.start, tag.end) for tag in scan_tags(source)]
    starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]
    free = [n for n, at in enumerate(starts, 1) if not any(a < at < b for a, b in spans)]
    line = data.draw(st.sampled_from(free))
    lines = source.split("\n")
    lines[line - 1] = _OPENERS[kind] + lines[line - 1]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "templates"
        shutil.copytree(ROOT / "templates", root)
        (root / file).write_text("\n".join(lines), encoding="utf-8")
        design = "receipt" if "receipt" in file else "postcard"
        with pytest.raises(TemplateError) as info:
            Mailer(merchant=merchant, template=root / design)
        assert (info.value.filename, info.value.lineno) == (str(root / file), line)
        assert "is never closed" in info.value.message


def test_a_syntax_error_in_the_source_after_mjml_names_the_templates_line() -> None:
    """Should the source that comes back from MJML not parse, the error is mapped back
    through the token map to the template's line, not the compiled source's."""
    from delightmail._templates import HTML_ENV, _mark

    compiled = "<p>\n</p>\n{% if x %}\n"  # line 3 of the compiled source came from line 7
    with pytest.raises(TemplateError) as info:
        _mark(HTML_ENV, compiled, "t.mjml.j2", frozenset(), ((1, 3), (1, 7)))
    assert info.value.lineno == 7 and "{% if x %} is never closed" in info.value.message
