"""Integrations with web frameworks: :mod:`delightmail.contrib.django`."""
