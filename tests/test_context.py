"""The description of what templates see (delightmail.context) is the code's: every
context name, filter and gettext function is described, each with a type its value has."""

from __future__ import annotations

import typing
from types import NoneType, UnionType
from typing import Any

import jinja2.defaults
import pytest

from delightmail import Mailer, Merchant
from delightmail._templates import environment
from delightmail.context import CONTEXT, FILTER_EXAMPLES, GLOBAL_EXAMPLES, MODELS
from delightmail.filters import FILTERS
from delightmail.reference import models, template_reference

from .conftest import EXAMPLES, ORDER_FILES, load

#: Orders × mailers the context is checked over: every example order, in English, in
#: German, Spanish (a region of it), in locales without a catalog (zh_TW, pl_PL), and in
#: French, with the catalog of examples/locale over the built-in one.
LOCALES = ["", "de_DE", "es_MX", "zh_TW", "pl_PL", "fr_FR"]


def conforms(value: Any, tp: Any) -> bool:
    """Whether *value* is of the type *tp* (unions, ``None`` and ``list[X]`` too)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, UnionType):
        return any(conforms(value, arg) for arg in typing.get_args(tp))
    if origin is list:
        (item,) = typing.get_args(tp)
        return isinstance(value, list) and all(conforms(v, item) for v in value)
    if tp is NoneType:
        return value is None
    return isinstance(value, tp)


@pytest.fixture(scope="module")
def french_mailer(merchant: Merchant) -> Mailer:
    """A mailer with the French catalog of examples/locale."""
    return Mailer(merchant, locale_dirs=(EXAMPLES / "locale",))


@pytest.mark.parametrize("locale", LOCALES, ids=[x or "own" for x in LOCALES])
@pytest.mark.parametrize("path", ORDER_FILES, ids=[p.stem for p in ORDER_FILES])
def test_every_context_name_is_described_with_its_type(
    french_mailer: Mailer, path: Any, locale: str
) -> None:
    """Mailer.context() makes exactly the names CONTEXT describes (its own start with _),
    and each value is of the described type."""
    order = load(path)
    context = french_mailer.context({**order, "locale": locale} if locale else order)
    public = {name for name in context if not name.startswith("_")}
    assert public == {item.name for item in CONTEXT}, "describe it in delightmail/context.py"
    for item in CONTEXT:
        value = context[item.name]
        assert conforms(value, item.type), f"{item.name} is a {type(value).__name__}"


def test_every_filter_is_described_and_has_a_docstring() -> None:
    """Each filter a template can use has a docstring and an example in the reference."""
    assert set(FILTER_EXAMPLES) == set(FILTERS), "add the filter's example to FILTER_EXAMPLES"
    for name, function in FILTERS.items():
        assert (function.__doc__ or "").strip(), f"the {name} filter has no docstring"
        assert FILTER_EXAMPLES[name], f"the {name} filter has no example"


@pytest.mark.parametrize("html", [True, False], ids=["html", "text"])
def test_every_function_a_template_can_call_is_described(html: bool) -> None:
    """The globals delightmail adds to Jinja's (the gettext functions) are all described."""
    ours = set(environment(html=html).globals) - set(jinja2.defaults.DEFAULT_NAMESPACE)
    assert ours == set(GLOBAL_EXAMPLES)


def test_every_model_field_is_in_the_reference() -> None:
    """The reference lists each field of each model a template reads, from the model."""
    listed = {model.name: {field.name for field in model.fields} for model in models()}
    for cls in MODELS:
        fields = getattr(cls, "model_fields", None) or getattr(cls, "__dataclass_fields__", {})
        assert listed[cls.__name__] == set(fields)
    story = next(model for model in models() if model.name == "Story")
    assert all(field.description for field in story.fields), "a Story field has no #: comment"


def test_the_reference_examples_are_rendered_from_the_example_order() -> None:
    """Each example's result is what the example order renders (not a hand-written one)."""
    text = template_reference("text")
    order = load(ORDER_FILES[3])
    assert f"{{{{ order.number }}}} → {order['number']}" in text
    assert "{{ customer.first_name }} → Eleanor" in text
    assert "→ £54.95" in text and "de → Zwischensumme" in text
