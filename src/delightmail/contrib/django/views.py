"""The preview: every example order in every design, for staff, inside the Django project.

Mount it in ``urls.py`` (the Rails ``/rails/mailers`` experience)::

    path("delightmail/", include("delightmail.contrib.django.urls")),

and set ``DELIGHTMAIL['PREVIEW_ORDERS']`` to a folder of order JSON files. Only an
active staff user sees it (Django's own login, ``LOGIN_URL``); anyone else is sent
to log in. The email's HTML is served as a sandboxed document: no script of any kind runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import user_passes_test
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..._files import load_json
from ...exceptions import DelightmailError
from .conf import get_config
from .mail import get_mailer

if TYPE_CHECKING:
    from ...rendered import RenderedEmail

__all__ = ["email", "index", "part"]


def _is_staff(user: object) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))


staff_only = user_passes_test(_is_staff)


def _orders() -> dict[str, Path]:
    folder = get_config().preview_orders
    if folder is None:
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.json"))}


def _designs() -> list[str]:
    from ...rendering import available_templates

    config = get_config()
    return list(dict.fromkeys((config.template, *available_templates(config.template_dirs))))


def _render(order: str, template: str) -> RenderedEmail:
    path = _orders().get(order)
    if path is None or template not in _designs():
        raise Http404("no such order or design")
    try:
        return get_mailer(template=template).render(load_json(path))
    except DelightmailError as exc:
        raise Http404(f"{path.name}: {exc}") from None


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>delightmail preview</title><style>body{{font:15px system-ui;margin:2em}}
iframe{{width:100%;height:70vh;border:1px solid #ccc}}pre{{white-space:pre-wrap}}</style>
</head><body>{}</body></html>"""


@staff_only
def index(request: HttpRequest) -> HttpResponse:
    """Every example order × every design, each a link to its email."""
    designs = _designs()
    rows = format_html_join(
        "",
        "<tr><th>{}</th>{}</tr>",
        (
            (
                order,
                format_html_join(
                    "",
                    '<td><a href="{}">{}</a></td>',
                    ((reverse("delightmail:email", args=(order, t)), t) for t in designs),
                ),
            )
            for order in _orders()
        ),
    )
    body = format_html("<h1>delightmail preview</h1><table>{}</table>", rows)
    if not _orders():
        body = format_html(
            "{}<p>Set DELIGHTMAIL['PREVIEW_ORDERS'] to a folder of orders.</p>", body
        )
    return HttpResponse(format_html(_PAGE, body))


@staff_only
def email(request: HttpRequest, order: str, template: str) -> HttpResponse:
    """One email: its subject and preheader, the HTML part in a frame, the text part."""
    rendered = _render(order, template)
    body = format_html(
        '<p><a href="{}">all emails</a></p><h1>{}</h1><p>{}</p>'
        '<iframe src="{}" title="HTML part"></iframe><h2>Text part</h2><pre>{}</pre>',
        reverse("delightmail:index"),
        rendered.subject,
        rendered.preheader,
        reverse("delightmail:part", args=(order, template, "html")),
        rendered.text,
    )
    return HttpResponse(format_html(_PAGE, body))


@staff_only
def part(request: HttpRequest, order: str, template: str, kind: str) -> HttpResponse:
    """The HTML (``html``) or the text (``text``) part of one email, as it is sent."""
    rendered = _render(order, template)
    if kind == "text":
        return HttpResponse(rendered.text, content_type="text/plain; charset=utf-8")
    if kind != "html":
        raise Http404("no such part")
    response = HttpResponse(rendered.html, content_type="text/html; charset=utf-8")
    # An email never needs script: served as a sandboxed document, frameable by this site only.
    response["Content-Security-Policy"] = "sandbox; frame-ancestors 'self'"
    return response
