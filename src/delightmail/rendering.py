"""Render an order into a :class:`RenderedEmail`: subject, preheader, HTML and text.

>>> mailer = Mailer(merchant=merchant, template="postcard", locale="en")  # doctest: +SKIP
>>> email = mailer.render(order)  # doctest: +SKIP
>>> msg = email.to_message(sender="Ada <ada@shop.example>")  # doctest: +SKIP

A :class:`Mailer` compiles its template once (MJML and premailer run at
construction, and the result is cached across mailers); the values that are
the same in every email of the merchant (its name, its colours) are folded in
then too. :meth:`Mailer.render` is then a Jinja render and nothing more.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2

from . import _cache, compiler, i18n
from ._templates import (
    check_syntax,
    environment,
    loader,
    merchant_html,
    reference_html,
    render_template,
    text_template,
)
from .composer import Composed, compose
from .exceptions import OrderStatusError, PackError, TemplateError, TemplateNotFound
from .facts import GROUPS
from .filters import one_line
from .models import TONES, Merchant, Order, validate_merchant, validate_order
from .packs import Pack, load_pack
from .rendered import RenderedEmail
from .story import tell, tells_stories

__all__ = [
    "MAX_LINES_SHOWN",
    "TEMPLATE_FILES",
    "Mailer",
    "RenderedEmail",
    "available_templates",
    "template_dirs",
]

#: The files a template folder holds.
TEMPLATE_FILES = ("email.mjml.j2", "email.txt.j2")
#: How many lines an email lists before "…and 37 more things — see your whole order".
#: Gmail clips an HTML part over about 102 KB; at about 2 KB for a heavy line
#: (variant, properties, a discount, a link), 25 lines keep the longest order
#: well under the 90 KB budget (see tests/test_checks.py).
MAX_LINES_SHOWN = 25

_SHIPPED = frozenset(GROUPS["shipping"]["shipped"])
_PHYSICAL = frozenset(GROUPS["shipping"]["physical"])


def template_dirs() -> list[Path]:
    """The folders holding the built-in templates, in the order they are searched.

    An installed wheel carries them inside the package; a source checkout has
    them at the top of the repository.
    """
    here = Path(__file__).resolve().parent
    candidates = [here / "templates", here.parent.parent / "templates"]
    return [path for path in candidates if path.is_dir()]


# Mailer's parameter of the same name hides the function.
_builtin_dirs = template_dirs


def available_templates(extra_dirs: tuple[Path, ...] = ()) -> list[str]:
    """The names of every template found in *extra_dirs* and the built-in folders."""
    names = set()
    for root in (*extra_dirs, *template_dirs()):
        for child in root.iterdir():
            if all((child / name).is_file() for name in TEMPLATE_FILES):
                names.add(child.name)
    return sorted(names)


#: Design names that moved, and where to: "playful" named a tone too.
_RENAMED = {"playful": "postcard"}


def _find_template(name: str, extra_dirs: tuple[Path, ...]) -> Path:
    if name in _RENAMED and not any((root / name).is_dir() for root in extra_dirs):
        warnings.warn(
            f"the {name!r} template is now called {_RENAMED[name]!r}",
            DeprecationWarning,
            stacklevel=3,
        )
        name = _RENAMED[name]
    searched = [*extra_dirs, *template_dirs()]
    for root in searched:
        folder = root / name
        if (folder / TEMPLATE_FILES[0]).is_file():
            return folder
    known = ", ".join(available_templates(extra_dirs)) or "none"
    raise TemplateNotFound(
        f"no template named {name!r} (known templates: {known}; "
        f"searched {', '.join(str(p) for p in searched)})"
    )


# -- the mailer ------------------------------------------------------------------


class Mailer:
    """Renders orders for one merchant with one template.

    :param merchant: a :class:`~delightmail.models.Merchant` or a dict of one.
    :param template: a design's name (``"postcard"``, ``"receipt"``) or the path of a
        design's folder.
    :param locale: the default locale; an order's own ``locale`` wins.
    :param tone: ``playful``, ``warm`` or ``plain``; by default the merchant's
        voice; an order's own ``tone`` wins.
    :param precompile: ``False`` takes the slow reference path (Jinja, then MJML
        and premailer on every email). Only useful to check the fast path.
    :param template_dirs: extra folders to look for templates in, before the built-in ones.
    :param pack_dirs: folders with the merchant's own story packs.
    :param locale_dirs: folders of the merchant's own translation catalogs
        (``<dir>/<locale>/LC_MESSAGES/delightmail.po``), searched before the
        built-in ones: to add a language, or to change some messages of one.
    :param sandbox: run the template in a bounded Jinja sandbox: for a template a
        merchant writes (as in a shop's notification editor) rather than a
        developer. A template folder is otherwise code, and runs as code.
    """

    def __init__(
        self,
        merchant: Merchant | Mapping[str, Any],
        template: str | Path = "postcard",
        locale: str = "en",
        *,
        tone: str | None = None,
        precompile: bool = True,
        template_dirs: tuple[str | Path, ...] = (),
        pack_dirs: tuple[str | Path, ...] = (),
        locale_dirs: tuple[str | Path, ...] = (),
        sandbox: bool = False,
    ) -> None:
        self.merchant = validate_merchant(merchant)
        self.locale = locale
        self.tone = tone or self.merchant.voice.tone
        if self.tone not in TONES:
            raise TemplateError(f"unknown tone {self.tone!r} (known: {', '.join(TONES)})")
        self.precompile = precompile
        self.sandbox = sandbox
        self.pack_dirs = tuple(Path(p) for p in pack_dirs)
        self.locale_dirs = tuple(Path(p) for p in locale_dirs)
        self.catalogs = i18n.read_catalogs(self.locale_dirs) if self.locale_dirs else None
        extra = tuple(Path(p) for p in template_dirs)
        path = Path(template)
        folder = path if path.is_dir() else _find_template(str(template), extra)
        self.template_name = folder.name
        self.folder = folder
        for name in TEMPLATE_FILES:
            if not (folder / name).is_file():
                raise TemplateNotFound(
                    f"template file is missing: {folder / name}", str(folder / name)
                )
        # Its own folder first: a design may replace any partial it uses; then
        # the folder it sits in (beside its own layout and partials), if given as one.
        beside = (folder.parent,) if path.is_dir() else ()
        roots = (folder, *beside, *extra, *_builtin_dirs())
        self._roots = tuple(dict.fromkeys(str(root) for root in roots))
        self._html = self._compose(TEMPLATE_FILES[0], html=True)
        self._text = self._compose(TEMPLATE_FILES[1], html=False)
        self._merchant_json = self.merchant.model_dump_json()
        self._packs: dict[tuple[str, str, bool], Pack | None] = {}
        self._htmls: dict[str, tuple[jinja2.Template, compiler.JinjaSource | None]] = {}
        # Compile (and check the story pack) now, so that a broken template or
        # pack fails here, at start-up, rather than on the first order.
        key = self._catalog_key(locale, self.tone)
        self._text_for(key)
        self._html_for(key)
        self._pack_for(self.tone, locale)

    def _compose(self, name: str, *, html: bool) -> Composed:
        key = (name, self._roots, html, self.sandbox)
        entry = _cache.key("composed", *key)
        # In this process, or from the disk cache (a fresh worker then parses no file).
        cached = _COMPOSED.get(key) or _cache.fetch(entry)
        env = environment(html=html, sandbox=self.sandbox)
        if isinstance(cached, Composed) and _still_current(cached, self._roots, env):
            _COMPOSED[key] = cached
            return cached
        composed = compose(
            name,
            loader(self._roots),
            env,
            check=lambda source, filename: check_syntax(env, source, filename),
            html=html,
        )
        _COMPOSED[key] = composed
        _cache.store(entry, composed)
        return composed

    def writes_in(self, locale: str) -> str:
        """The locale whose words an email for *locale* is written with: *locale* itself
        where its language has a catalog (``fr_CA`` reads in French), else this
        mailer's own locale, the merchant's language (a ``zh_TW`` customer of a
        German shop reads German). Money, numbers and dates in digits keep
        *locale*'s own formats either way."""
        return locale if i18n.speaks(locale, self.catalogs) else self.locale

    def _formal(self, locale: str, tone: str) -> bool:
        """Whether an email in *tone* and *locale* addresses the customer formally."""
        locale = self.writes_in(locale)
        return self.merchant.voice.formal(tone) and i18n.has_formal(locale, self.catalogs)

    def _catalog_key(self, locale: str, tone: str) -> str:
        formal = self._formal(locale, tone)
        return i18n.catalog_key(self.writes_in(locale), formal, self.catalogs)

    def _html_for(self, key: str) -> tuple[jinja2.Template, compiler.JinjaSource | None]:
        if key not in self._htmls:
            html = self._html
            if self.precompile:
                with _located(html):
                    self._htmls[key] = merchant_html(
                        html.source, html.filename, self._merchant_json, key, self.sandbox,
                        self._roots,
                    )  # fmt: skip
            else:
                # Jinja itself loads the parents and partials: what the
                # composed source is checked against.
                own = html.files[0][1]
                reference = reference_html(own, html.filename, self.sandbox, self._roots)
                self._htmls[key] = (reference, None)
        return self._htmls[key]

    def _text_for(self, key: str) -> jinja2.Template:
        text = self._text
        # The reference path keeps the gettext calls as written and lets Jinja
        # load the partials: it is what the fast path is checked against.
        if not self.precompile:
            return text_template(
                text.files[0][1], text.filename, None, None, self.sandbox, self._roots
            )
        with _located(text):
            return text_template(
                text.source, text.filename, self._merchant_json, key, self.sandbox, self._roots
            )

    def warm(self, locales: Iterable[str] = (), tones: Iterable[str] = ()) -> None:
        """Compile now what rendering in each of *locales* and *tones* needs (this mailer's
        own locale and tone always), so that no order pays for it later: what a worker
        calls at start-up, before it takes its first order.

        :raises TemplateError: a template does not compile for one of them.
        :raises PackError: a story pack for one of them is not valid.
        """
        for tone in dict.fromkeys((self.tone, *tones)):
            if tone not in TONES:
                raise TemplateError(f"unknown tone {tone!r} (known: {', '.join(TONES)})")
            for locale in dict.fromkeys((self.locale, *locales)):
                key = self._catalog_key(locale, tone)
                self._text_for(key)
                self._html_for(key)
                self._pack_for(tone, locale)

    def html_template(self, locale: str | None = None) -> jinja2.Template:
        """The Jinja template that renders the HTML part for *locale*.

        On the compiled path it is already MJML'd, inlined and folded: what
        :meth:`render` runs per email (benchmarks measure it alone).
        """
        return self._html_for(self._catalog_key(locale or self.locale, self.tone))[0]

    def pack(self, tone: str | None = None, locale: str | None = None) -> Pack:
        """The story pack this mailer tells *tone* in for *locale* (by default its own).

        :raises PackError: the email for *locale* is in a language no story is told in.
        """
        locale = self.writes_in(locale or self.locale)
        found = self._pack_for(tone or self.tone, locale)
        if found is None:
            language = i18n.text_language(locale, self.catalogs)
            raise PackError(f"no story is told in {language!r}, the language of {locale!r}")
        return found

    def _pack_for(self, tone: str, locale: str) -> Pack | None:
        locale = self.writes_in(locale)
        key = (tone, i18n.text_language(locale, self.catalogs), self._formal(locale, tone))
        if key not in self._packs:
            told = tells_stories(key[1])
            pack = load_pack(tone, key[1], self.pack_dirs, formal=key[2]) if told else None
            self._packs[key] = pack
        return self._packs[key]

    def context(
        self, order: Order | Mapping[str, Any], *, any_status: bool = False
    ) -> dict[str, Any]:
        """Everything the templates see for *order*.

        :param any_status: render an order whose status a confirmation is not true of
            (refunded, cancelled, voided, failed): its email says the status and tells
            no story. Without it, such an order raises :class:`OrderStatusError`.
        """
        order = validate_order(order)
        if not (any_status or order.confirmed):
            raise OrderStatusError(order.number, order.status)
        locale = order.locale or self.locale
        tone = order.tone or self.tone
        merchant = self.merchant
        pack = self._pack_for(tone, locale)
        # The words are in the customer's language, or else in the merchant's.
        writes_in = self.writes_in(locale)
        story = tell(order, merchant, writes_in, tone, pack=pack, catalogs=self.catalogs)
        # Where "see your whole order" points, when the email cannot list every line.
        whole = order.status_url or merchant.website
        whole_order_url = (
            str(whole) if whole is not None and len(order.lines) > MAX_LINES_SHOWN else None
        )
        shipping_to = order.shipping_address
        billing = order.billing_address
        shipping = order.shipping
        delivery = order.delivery
        pickup = delivery == "pickup"
        # What a line says of how it comes, where the order has a parcel and the line
        # is not in it: "digital" (by email) or "service" (nothing to ship).
        travels = delivery in _PHYSICAL
        line_ways = [
            way if travels and not line.is_charge and way != "physical" else ""
            for line in order.lines[:MAX_LINES_SHOWN]
            for way in (order.fulfillment_of(line),)
        ]
        # A pick-up waits where the shop says, never at the customer's own address.
        waits_at = (shipping.location or merchant.address) if shipping and pickup else None
        catalog = self._catalog_key(locale, tone)
        # The catalog decides lang, dir, start and end: the template compiled for it
        # has them folded in (see _templates._constants), as it has its words.
        language = i18n.key_language(catalog)
        # Words such as a country's name are in the language of the email's words.
        words = i18n.text_locale(writes_in, language)
        direction = i18n.text_direction(language)
        start, end = i18n.sides(direction)
        return {
            "order": order,
            "merchant": merchant,
            "theme": merchant.theme,
            "customer": order.customer,
            "story": story,
            "tone": tone,
            "locale": locale,
            # The language the words are in: a locale without a catalog reads in the
            # merchant's (the mailer's locale), or in English.
            "lang": language,
            "dir": direction,
            "start": start,
            "end": end,
            "catalog": catalog,
            "show_prices": not order.hide_prices,
            "lines_shown": order.lines[:MAX_LINES_SHOWN],
            "lines_hidden": max(len(order.lines) - MAX_LINES_SHOWN, 0),
            "whole_order_url": whole_order_url,
            "placed_at": order.local_placed_at(merchant.timezone),
            "pickup": pickup,
            "pickup_lines": waits_at.lines(words) if waits_at else [],
            "delivery": delivery,
            "line_ways": line_ways,
            "shipping_lines": (
                shipping_to.lines(words)
                if shipping_to and delivery in _SHIPPED and not shipping_to.is_empty()
                else []
            ),
            "billing_lines": billing.lines(words) if billing and not billing.is_empty() else [],
            "subject": story.subject,
            "preheader": story.preheader,
            i18n.CONTEXT_KEY: i18n.translations(catalog),
        }

    def render(
        self, order: Order | Mapping[str, Any], *, any_status: bool = False
    ) -> RenderedEmail:
        """Render *order*: a validated :class:`Order` or a dict such as parsed JSON.

        :param any_status: render it whatever its status (see :meth:`context`).
        :raises OrderValidationError: the order is not valid; the message names each field.
        :raises OrderStatusError: the order is refunded, cancelled, voided or failed.
        :raises TemplateError: the template failed; the message names its file and line.
        """
        return self.render_context(self.context(order, any_status=any_status))

    def render_context(self, context: Mapping[str, Any]) -> RenderedEmail:
        """Render the email of a :meth:`context` (what :meth:`render` does after making it).

        For callers that read the context too, such as the copy linter, which
        checks each email against its story.
        """
        valid: Order = context["order"]
        template, compiled = self._html_for(context["catalog"])
        parts = self._html
        if compiled is not None:
            with _located(parts):
                html = render_template(template, context, parts.filename, compiled.original_line)
        else:
            partials = frozenset(f for f, _ in parts.files)
            mjml_source = render_template(template, context, parts.filename, partials=partials)
            html = compiler.mjml_to_html(mjml_source, parts.filename)
        text_template_ = self._text_for(context["catalog"])
        if self.precompile:
            with _located(self._text):
                text = render_template(text_template_, context, self._text.filename)
        else:
            partials = frozenset(f for f, _ in self._text.files)
            text = render_template(text_template_, context, self._text.filename, partials=partials)
        customer = valid.customer
        signer = self.merchant.signer
        reply = signer.email or self.merchant.support_email
        return RenderedEmail(
            subject=one_line(context["subject"]),
            preheader=one_line(context["preheader"]),
            html=html,
            text=text,
            order_number=valid.number,
            placed_at=valid.placed_at,
            recipient=(customer.full_name or "", customer.email) if customer.email else None,
            reply_to=(signer.name, reply) if reply else None,
        )


#: Each template composed, by (name, roots, part, sandbox): reused while every file
#: it read still says the same and every name still finds the same file.
_COMPOSED: dict[tuple[str, tuple[str, ...], bool, bool], Composed] = {}


def _still_current(composed: Composed, roots: tuple[str, ...], env: jinja2.Environment) -> bool:
    """Whether each name *composed* looked up still finds the same file, saying the same:
    asked of the loader that composing asks, so both find files the same way."""
    sources = dict(composed.files)
    for name, filename in composed.names:
        try:
            source, found, _ = loader(roots).get_source(env, name)
        except jinja2.TemplateNotFound:
            if filename is None:  # missing then (an include ... ignore missing), missing now
                continue
            return False
        except (OSError, UnicodeDecodeError):
            return False
        if found != filename or source != sources[filename]:
            return False
    return True


@contextmanager
def _located(composed: Composed) -> Iterator[None]:
    """Errors raised against a composed source name the author's file and line."""
    try:
        yield
    except TemplateError as exc:
        raise composed.relocate(exc) from exc.__cause__
