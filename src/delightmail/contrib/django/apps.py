"""The Django app: ``INSTALLED_APPS = [..., "delightmail.contrib.django"]``."""

from __future__ import annotations

from django.apps import AppConfig


class DelightmailConfig(AppConfig):
    """delightmail's app: its management command and its preview view."""

    name = "delightmail.contrib.django"
    label = "delightmail"
    verbose_name = "delightmail"
