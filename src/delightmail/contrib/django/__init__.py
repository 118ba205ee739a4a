"""Order-confirmation emails from a Django project: a setting, a cached mailer, one call to send.

Add the app and the setting, then send::

    INSTALLED_APPS = [..., "delightmail.contrib.django"]
    DELIGHTMAIL = {"MERCHANT": BASE_DIR / "merchant.json", "TEMPLATE": "postcard"}

    from delightmail.contrib.django import send_confirmation
    send_confirmation(order)  # through EMAIL_BACKEND: SMTP, locmem, django-anymail...

:func:`to_django` turns any :class:`~delightmail.RenderedEmail` into an
``EmailMultiAlternatives`` that keeps delightmail's Message-ID, Date, Reply-To,
headers and boundary.
"""

from .conf import Config, get_config
from .mail import DelightmailMessage, get_mailer, send_confirmation, to_django

__all__ = [
    "Config",
    "DelightmailMessage",
    "get_config",
    "get_mailer",
    "send_confirmation",
    "to_django",
]
