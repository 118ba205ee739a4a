"""Composing a template's files into one source: the same text Jinja itself renders."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delightmail import Mailer, Merchant
from delightmail.checks import check_email
from delightmail.composer import compose
from delightmail.exceptions import CompileError, TemplateError, TemplateNotFound
from delightmail.rendering import available_templates

from .conftest import EXAMPLES, ORDER_FILES, copy_templates, edit, load

# The two parts' whitespace rules: the HTML part strips nothing by itself, the
# text part trims and lstrips block tags. Both keep a file's last newline.
OPTIONS = {
    "html": {"keep_trailing_newline": True},
    "text": {"keep_trailing_newline": True, "trim_blocks": True, "lstrip_blocks": True},
    "defaults": {},
}


def composed_and_native(files: dict[str, str], name: str, options: dict[str, Any]) -> tuple:
    env = jinja2.Environment(loader=jinja2.DictLoader(files), **options)
    composed = compose(name, env.loader, env, check=lambda source, filename: None, html=False)
    context = {"x": "X", "flag": True, "off": False, "items": [1, 2]}
    return env.from_string(composed.source).render(context), env.get_template(name).render(context)


# -- the same output as Jinja's own loader ------------------------------------------

_left = st.sampled_from(["", "-", "+"])
_right = st.sampled_from(["", "-", "+"])
_space = st.sampled_from(["", " ", "\n", "  \n", "\n\n", "\t", " \n  "])


@st.composite
def _statement(draw: st.DrawFn, keyword: str) -> str:
    left, right = draw(_left), draw(_right)
    return "{%" + left + " " + keyword + " " + right + "%}"


@st.composite
def _fragment(draw: st.DrawFn, depth: int = 0) -> str:
    """A run of template text: words, whitespace, expressions, ifs, loops and sets."""
    pieces = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["word", "space", "expr", "if", "for", "set", "comment"]))
        if kind == "word":
            pieces.append(draw(st.sampled_from(["a", "b c", "<p>", "é", "🎁"])))
        elif kind == "space":
            pieces.append(draw(_space))
        elif kind == "expr":
            trim = st.sampled_from(["", "-"])
            pieces.append("{{" + draw(trim) + " x " + draw(trim) + "}}")
        elif kind == "comment":
            pieces.append("{#" + draw(_left) + " note " + draw(_right) + "#}")
        elif kind == "set":
            # Only ever read after it is set: Jinja's own reading of a name used before
            # a later set in the same template changes with the blocks around it.
            pieces.append(draw(_statement("set y = 'S'")) + draw(_space) + "{{ y }}")
        elif depth < 2:
            opener = "if flag" if kind == "if" else "for item in items"
            closer = "endif" if kind == "if" else "endfor"
            inner = draw(_fragment(depth + 1))
            pieces.append(
                draw(_statement(opener)) + inner + draw(_space) + draw(_statement(closer))
            )
    return "".join(pieces)


@st.composite
def _tree(draw: st.DrawFn) -> dict[str, str]:
    """A partial, a layout with blocks and includes, a child and a grandchild."""
    sp = lambda: draw(_space)  # noqa: E731
    frag = lambda: draw(_fragment())  # noqa: E731
    partial = frag() + sp()
    inner = frag() + draw(_statement('include "partial"')) + frag()
    base = (
        frag()
        + draw(_statement("block one"))
        + inner
        + draw(_statement("endblock"))
        + sp()
        + draw(_statement("block two"))
        + frag()
        + draw(_statement("block nested"))
        + frag()
        + draw(_statement("endblock"))
        + frag()
        + draw(_statement("endblock"))
        + frag()
    )
    child_blocks = []
    for name in draw(st.lists(st.sampled_from(["one", "two", "nested"]), unique=True)):
        body = frag() + (("{{ super() }}" + frag()) if draw(st.booleans()) else "")
        child_blocks.append(draw(_statement(f"block {name}")) + body + draw(_statement("endblock")))
    child = sp() + draw(_statement('extends "base"')) + sp() + sp().join(child_blocks) + sp()
    grand_body = frag() + (("{{ super() }}" + frag()) if draw(st.booleans()) else "")
    grand = (
        draw(_statement('extends "child"'))
        + sp()
        + draw(_statement("block one"))
        + grand_body
        + draw(_statement("endblock"))
    )
    return {"partial": partial, "base": base, "child": child, "grand": grand}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    files=_tree(),
    name=st.sampled_from(["base", "child", "grand"]),
    part=st.sampled_from(list(OPTIONS)),
)
def test_composing_renders_what_jinja_renders(files: dict[str, str], name: str, part: str) -> None:
    """Over generated layouts, children, grandchildren and partials, with every kind of
    whitespace control, the composed source renders exactly what Jinja's own loader does."""
    try:
        jinja2.Environment(loader=jinja2.DictLoader(files)).get_template(name)
    except jinja2.TemplateSyntaxError:
        return  # not a template Jinja accepts either
    try:
        mine, native = composed_and_native(files, name, OPTIONS[part])
    except CompileError as refused:
        # The one thing composing cannot do is hide a name from a block; it says so.
        assert "bound around it" in refused.message
        return
    assert mine == native


@pytest.mark.parametrize("part", list(OPTIONS))
def test_a_set_inside_a_block_or_partial_stays_inside(part: str) -> None:
    """A name set in a block or a partial does not leak out, as in Jinja."""
    files = {
        "base": "{% set x = 'outer' %}{% block b %}{% set x = 'block' %}{{ x }}{% endblock %}"
        "[{{ x }}]{% include 'p' %}[{{ x }}]",
        "p": "{% set x = 'partial' %}{{ x }}",
    }
    mine, native = composed_and_native(files, "base", OPTIONS[part])
    assert mine == native == "block[outer]partial[outer]"


@pytest.mark.parametrize(
    "around",
    ["{% for x in items %}{}{% endfor %}", "{% with x = 1 %}{}{% endwith %}",
     "{% block outer %}{% set x = 2 %}{}{% endblock %}"],
    ids=["loop", "with", "block"],
)  # fmt: skip
def test_a_block_that_reads_a_name_bound_around_it_is_refused_unless_scoped(
    around: str,
) -> None:
    """Jinja renders a block without the names bound around it; composing cannot, so it
    refuses such a block, naming it, and composes it once it is marked scoped."""
    files = {"main": around.replace("{}", "{% block b %}{{ x }}{% endblock %}")}
    with pytest.raises(CompileError, match="block 'b' reads 'x'"):
        compose_files(files)
    files = {"main": files["main"].replace("block b", "block b scoped")}
    if "for" in around or "with" in around:
        mine, native = composed_and_native(files, "main", OPTIONS["text"])
        assert mine == native


# -- what cannot be composed says where and why ---------------------------------------


def compose_files(files: dict[str, str], name: str = "main") -> Any:
    env = jinja2.Environment(loader=jinja2.DictLoader(files))
    return compose(name, env.loader, env, check=lambda source, filename: None, html=True)


@pytest.mark.parametrize(
    ("files", "message", "where"),
    [
        ({"main": "a\n{% include 'nope' %}"}, "no template file named 'nope'", ("main", 2)),
        ({"main": "{% include name %}"}, "name it as a string", ("main", 1)),
        ({"main": "{% include 'p' without context %}", "p": ""}, "without context", ("main", 1)),
        ({"main": "{% extends 'b' %}\nhello", "b": ""}, "outside its blocks", ("main", 1)),
        (
            {"main": "{% extends 'b' %}\n{% set x = 1 %}", "b": ""},
            "move {% set x = 1 %} into the block",
            ("main", 2),
        ),
        ({"main": "x\n{% include 'main' %}"}, "includes itself", ("main", 2)),
        ({"main": "{% extends 'b' %}", "b": "{% extends 'main' %}"}, "itself", ("b", 1)),
        ({"main": "\n{{ super() }}"}, "only allowed inside a block", ("main", 2)),
        ({"main": "{% block a %}{{ super() }}{% endblock %}"}, "no parent", ("main", 1)),
        ({"main": "{% block a %}{% endblock %}{{ self.a() }}"}, "self.<block>()", ("main", 1)),
        ({"main": "{% block a required %}{% endblock %}"}, "required", ("main", 1)),
        (
            {"main": "{% import 'm' as m %}", "m": "{% macro b() %}\n<mj-button/>{% endmacro %}"},
            "may not make MJML",
            ("m", 2),
        ),
    ],
    ids=[
        "missing", "dynamic", "without-context", "text-in-child", "set-in-child",
        "include-loop", "extends-loop", "super-outside", "super-no-parent", "self",
        "required", "mjml-macro",
    ],
)  # fmt: skip
def test_what_cannot_be_composed_names_file_and_line(
    files: dict[str, str], message: str, where: tuple[str, int]
) -> None:
    """Each template the compiler cannot resolve once is a TemplateError naming the file
    and line to change."""
    with pytest.raises(TemplateError) as info:
        compose_files(files)
    assert message in info.value.message
    assert (info.value.filename, info.value.lineno) == where


def test_partials_that_multiply_are_refused_quickly() -> None:
    """Partials including each other ten times over, ten deep, are refused at once."""
    files = {f"p{i}": f"{{% include 'p{i + 1}' %}}" * 10 for i in range(10)}
    files["p10"] = "x" * 100
    start = time.perf_counter()
    with pytest.raises(CompileError, match="more than"):
        compose_files({**files, "main": "{% include 'p0' %}"})
    assert time.perf_counter() - start < 2


def test_a_missing_partial_is_template_not_found() -> None:
    """A partial that is not there is a TemplateNotFound (a LookupError)."""
    with pytest.raises(TemplateNotFound):
        compose_files({"main": "{% include 'nope' %}"})


# -- designs built from the layout and partials ------------------------------------


def test_the_built_in_designs_are_not_named_like_tones() -> None:
    """The designs are postcard and receipt; "playful" is a tone."""
    assert available_templates() == ["postcard", "receipt"]


def test_the_old_design_name_still_works_with_a_warning(merchant: Merchant) -> None:
    """Mailer(template="playful") is the postcard, with a DeprecationWarning."""
    with pytest.warns(DeprecationWarning, match="now called 'postcard'"):
        old = Mailer(merchant, template="playful")
    assert old.render(load(ORDER_FILES[0])) == Mailer(merchant).render(load(ORDER_FILES[0]))


LETTERPRESS = EXAMPLES / "templates" / "letterpress"


def test_a_third_design_is_a_few_lines_over_the_layout(merchant: Merchant) -> None:
    """The example letterpress design extends the layout and overrides two blocks in
    under 40 lines; every example order passes every built-in inbox check with it, and
    its compiled path equals its reference path."""
    html_source = (LETTERPRESS / "email.mjml.j2").read_text(encoding="utf-8")
    lines = sum(len(p.read_text().splitlines()) for p in LETTERPRESS.iterdir())
    assert lines < 40 and html_source.count("{% block ") == 2
    fast = Mailer(merchant, template="letterpress", template_dirs=(EXAMPLES / "templates",))
    slow = Mailer(
        merchant, "letterpress", template_dirs=(EXAMPLES / "templates",), precompile=False
    )
    for path in ORDER_FILES:
        email = fast.render(load(path))
        assert [str(f) for f in check_email(email).findings if f.severity != "info"] == []
        assert 'class="brand"' in email.html and "letter-spacing:3px" in email.html
        reference = slow.render(load(path))
        assert (email.text, email.subject) == (reference.text, reference.subject)


def test_a_design_folder_replaces_a_partial_by_its_name(tmp_path: Path, merchant: Merchant) -> None:
    """A file in the design's own folder named like a partial is used instead of it."""
    design = tmp_path / "mine"
    (design / "partials").mkdir(parents=True)
    (design / "email.mjml.j2").write_text('{% extends "layout/base.mjml.j2" %}\n')
    (design / "email.txt.j2").write_text('{% extends "layout/base.txt.j2" %}\n')
    (design / "partials" / "note.txt.j2").write_text("OUR OWN NOTE PARTIAL\n")
    email = Mailer(merchant, template=design).render(load(ORDER_FILES[0]))
    assert "OUR OWN NOTE PARTIAL" in email.text


@pytest.mark.parametrize("precompile", [True, False], ids=["compiled", "reference"])
@pytest.mark.parametrize("part", ["mjml", "txt"])
def test_an_error_in_a_partial_names_the_partial_and_its_line(
    tmp_path: Path, merchant: Merchant, precompile: bool, part: str
) -> None:
    """A partial that fails as the email renders is named with its own line, on the
    compiled path and on the reference path alike."""
    root = copy_templates(tmp_path)
    partial = root / "partials" / f"payment.{part}.j2"
    lines = partial.read_text(encoding="utf-8").splitlines()
    broken = "{{ order.no_such_field.nope }}"
    partial.write_text("\n".join([*lines[:2], broken, *lines[2:]]) + "\n", encoding="utf-8")
    mailer = Mailer(merchant, template=root / "postcard", precompile=precompile)
    with pytest.raises(TemplateError) as info:
        mailer.render(load(ORDER_FILES[0]))
    assert (info.value.filename, info.value.lineno) == (str(partial), 3)


def test_a_syntax_error_in_a_partial_names_it_when_the_mailer_is_made(
    tmp_path: Path, merchant: Merchant
) -> None:
    """A broken partial fails at start-up, naming its own file and line."""
    root = copy_templates(tmp_path)
    edit(root / "partials" / "lines.mjml.j2", "\n", "\n{% for %}\n")
    with pytest.raises(TemplateError) as info:
        Mailer(merchant, template=root / "receipt")
    assert (info.value.filename, info.value.lineno) == (
        str(root / "partials" / "lines.mjml.j2"),
        2,
    )


def test_a_mailer_composes_again_only_when_a_file_changes_or_a_new_one_shadows(
    tmp_path: Path, merchant: Merchant
) -> None:
    """Another Mailer of the same design reuses the composed source; a partial that
    changed, or a file that now replaces a partial by its name, is composed again."""
    root = copy_templates(tmp_path)
    design = root / "postcard"
    first = Mailer(merchant, template=design)
    assert Mailer(merchant, template=design)._text is first._text
    edit(root / "partials" / "note.txt.j2", "{% if order.note %}", "{% if order.note %}NOTE")
    changed = Mailer(merchant, template=design)
    assert changed._text is not first._text and "NOTE" in changed._text.source
    (design / "partials").mkdir()
    (design / "partials" / "note.txt.j2").write_text("SHADOWED\n", encoding="utf-8")
    shadowed = Mailer(merchant, template=design)
    assert "SHADOWED" in shadowed.render(load(ORDER_FILES[0])).text
