"""Render an order into a :class:`RenderedEmail`: subject, preheader, HTML and text.

>>> mailer = Mailer(merchant=merchant, template="playful", locale="en")  # doctest: +SKIP
>>> email = mailer.render(order)  # doctest: +SKIP
>>> msg = email.to_message(sender="Ada <ada@shop.example>")  # doctest: +SKIP

A :class:`Mailer` compiles its template once (MJML and premailer run at
construction, and the result is cached across mailers); the values that are
the same in every email of the merchant (its name, its colours) are folded in
then too. :meth:`Mailer.render` is then a Jinja render and nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import jinja2

from . import compiler, i18n
from ._templates import (
    merchant_html,
    reference_html,
    render_template,
    text_template,
)
from .exceptions import PackError, TemplateError, TemplateNotFound
from .filters import one_line
from .models import TONES, Merchant, Order, validate_merchant, validate_order
from .packs import Pack, load_pack
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


def template_dirs() -> list[Path]:
    """The folders holding the built-in templates, in the order they are searched.

    An installed wheel carries them inside the package; a source checkout has
    them at the top of the repository.
    """
    here = Path(__file__).resolve().parent
    candidates = [here / "templates", here.parent.parent / "templates"]
    return [path for path in candidates if path.is_dir()]


def available_templates(extra_dirs: tuple[Path, ...] = ()) -> list[str]:
    """The names of every template found in *extra_dirs* and the built-in folders."""
    names = set()
    for root in (*extra_dirs, *template_dirs()):
        for child in root.iterdir():
            if all((child / name).is_file() for name in TEMPLATE_FILES):
                names.add(child.name)
    return sorted(names)


def _find_template(name: str, extra_dirs: tuple[Path, ...]) -> Path:
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


# -- the rendered email --------------------------------------------------------


@dataclass(frozen=True)
class RenderedEmail:
    """One rendered email: what goes into the inbox, ready to send."""

    subject: str
    preheader: str
    html: str
    text: str
    order_number: str = ""
    placed_at: datetime | None = None
    recipient: tuple[str, str] | None = field(default=None, repr=False)
    reply_to: tuple[str, str] | None = field(default=None, repr=False)

    def to_message(
        self,
        sender: str | tuple[str, str],
        to: str | tuple[str, str] | None = None,
        reply_to: str | tuple[str, str] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> EmailMessage:
        """This email as a stdlib :class:`~email.message.EmailMessage`, multipart/alternative.

        :param sender: ``"Shop <shop@example.com>"`` or ``("Shop", "shop@example.com")``.
        :param to: the recipient; by default the order's customer.
        :param reply_to: where replies go; by default the merchant's real person.
        :param headers: extra headers (``List-Unsubscribe``...); no line breaks allowed.
        """
        from .message import build_message

        return build_message(self, sender=sender, to=to, reply_to=reply_to, headers=headers)

    def to_bytes(
        self,
        sender: str | tuple[str, str],
        to: str | tuple[str, str] | None = None,
        reply_to: str | tuple[str, str] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> bytes:
        """This email as the bytes of a multipart/alternative message, ready for SMTP
        (``smtp.sendmail(from, [to], data)``) or an email service's raw API.

        The fast path: the same message as :meth:`to_message`, without building
        one. Parameters as for :meth:`to_message`.
        """
        from .message import message_bytes

        return message_bytes(self, sender=sender, to=to, reply_to=reply_to, headers=headers)


# -- the mailer ------------------------------------------------------------------


class Mailer:
    """Renders orders for one merchant with one template.

    :param merchant: a :class:`~delightmail.models.Merchant` or a dict of one.
    :param template: a template name (``"playful"``) or the path of a template folder.
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
        template: str | Path = "playful",
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
        html_path = folder / TEMPLATE_FILES[0]
        text_path = folder / TEMPLATE_FILES[1]
        self._html_filename = str(html_path)
        self._text_filename = str(text_path)
        self._html_source = _read(html_path)
        self._text_source = _read(text_path)
        self._merchant_json = self.merchant.model_dump_json()
        self._packs: dict[tuple[str, str, bool], Pack | None] = {}
        self._htmls: dict[str, tuple[jinja2.Template, compiler.JinjaSource | None]] = {}
        # Compile (and check the story pack) now, so that a broken template or
        # pack fails here, at start-up, rather than on the first order.
        key = self._catalog_key(locale, self.tone)
        self._text_for(key)
        self._html_for(key)
        self._pack_for(self.tone, locale)

    def _formal(self, locale: str, tone: str) -> bool:
        """Whether an email in *tone* and *locale* addresses the customer formally."""
        return self.merchant.voice.formal(tone) and i18n.has_formal(locale, self.catalogs)

    def _catalog_key(self, locale: str, tone: str) -> str:
        return i18n.catalog_key(locale, self._formal(locale, tone), self.catalogs)

    def _html_for(self, key: str) -> tuple[jinja2.Template, compiler.JinjaSource | None]:
        if key not in self._htmls:
            if self.precompile:
                self._htmls[key] = merchant_html(
                    self._html_source, self._html_filename, self._merchant_json, key, self.sandbox
                )
            else:
                reference = reference_html(self._html_source, self._html_filename, self.sandbox)
                self._htmls[key] = (reference, None)
        return self._htmls[key]

    def _text_for(self, key: str) -> jinja2.Template:
        # The reference path keeps the gettext calls as written: it is what the
        # translated-once fast path is checked against.
        if not self.precompile:
            return text_template(self._text_source, self._text_filename, None, None, self.sandbox)
        return text_template(
            self._text_source, self._text_filename, self._merchant_json, key, self.sandbox
        )

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
        locale = locale or self.locale
        found = self._pack_for(tone or self.tone, locale)
        if found is None:
            language = i18n.text_language(locale, self.catalogs)
            raise PackError(f"no story is told in {language!r}, the language of {locale!r}")
        return found

    def _pack_for(self, tone: str, locale: str) -> Pack | None:
        key = (tone, i18n.text_language(locale, self.catalogs), self._formal(locale, tone))
        if key not in self._packs:
            told = tells_stories(key[1])
            pack = load_pack(tone, key[1], self.pack_dirs, formal=key[2]) if told else None
            self._packs[key] = pack
        return self._packs[key]

    def context(self, order: Order | Mapping[str, Any]) -> dict[str, Any]:
        """Everything the templates see for *order*."""
        order = validate_order(order)
        locale = order.locale or self.locale
        tone = order.tone or self.tone
        merchant = self.merchant
        pack = self._pack_for(tone, locale)
        story = tell(order, merchant, locale, tone, pack=pack, catalogs=self.catalogs)
        # Where "see your whole order" points, when the email cannot list every line.
        whole = order.status_url or merchant.website
        whole_order_url = (
            str(whole) if whole is not None and len(order.lines) > MAX_LINES_SHOWN else None
        )
        shipping_to = order.shipping_address
        billing = order.billing_address
        language = i18n.text_language(locale, self.catalogs)
        # Words such as a country's name are in the language of the email's words.
        words = i18n.text_locale(locale, language)
        catalog = self._catalog_key(locale, tone)
        return {
            "order": order,
            "merchant": merchant,
            "theme": merchant.theme,
            "customer": order.customer,
            "story": story,
            "tone": tone,
            "locale": locale,
            # The language the words are in: a locale without a catalog reads in English.
            "lang": language,
            "dir": i18n.text_direction(language),
            "catalog": catalog,
            "show_prices": not order.hide_prices,
            "lines_shown": order.lines[:MAX_LINES_SHOWN],
            "lines_hidden": max(len(order.lines) - MAX_LINES_SHOWN, 0),
            "whole_order_url": whole_order_url,
            "placed_at": order.local_placed_at(merchant.timezone),
            "shipping_lines": shipping_to.lines(words) if shipping_to else [],
            "billing_lines": billing.lines(words) if billing and not billing.is_empty() else [],
            "subject": story.subject,
            "preheader": story.preheader,
            i18n.CONTEXT_KEY: i18n.translations(catalog),
        }

    def render(self, order: Order | Mapping[str, Any]) -> RenderedEmail:
        """Render *order*: a validated :class:`Order` or a dict such as parsed JSON.

        :raises OrderValidationError: the order is not valid; the message names each field.
        :raises TemplateError: the template failed; the message names its file and line.
        """
        return self.render_context(self.context(order))

    def render_context(self, context: Mapping[str, Any]) -> RenderedEmail:
        """Render the email of a :meth:`context` (what :meth:`render` does after making it).

        For callers that read the context too, such as the copy linter, which
        checks each email against its story.
        """
        valid: Order = context["order"]
        template, compiled = self._html_for(context["catalog"])
        if compiled is not None:
            html = render_template(template, context, self._html_filename, compiled.original_line)
        else:
            mjml_source = render_template(template, context, self._html_filename)
            html = compiler.mjml_to_html(mjml_source, self._html_filename)
        text = render_template(self._text_for(context["catalog"]), context, self._text_filename)
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


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateNotFound(f"template file is missing: {path}", str(path)) from None
    except UnicodeDecodeError as exc:
        raise TemplateError(f"not UTF-8 text: {exc}", str(path)) from None
