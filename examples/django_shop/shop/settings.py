"""The settings delightmail needs, in a minimal project (the README's Django section)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
EXAMPLES = BASE_DIR.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "shop.urls"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "delightmail.contrib.django",
    "orders",  # an order saved sends its confirmation (orders/signals.py)
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SHOP_DATABASE", BASE_DIR / "db.sqlite3"),
    }
}

# Any backend: SMTP, or django-anymail's ("anymail.backends.postmark.EmailBackend"...).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

DELIGHTMAIL = {
    "MERCHANT": EXAMPLES / "merchant.json",
    "TEMPLATE": "postcard",
    "LOCALE": "en",
    "PREVIEW_ORDERS": EXAMPLES / "orders",
}
