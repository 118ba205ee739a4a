"""The preview's URLs: ``path("delightmail/", include("delightmail.contrib.django.urls"))``."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "delightmail"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:order>/<slug:template>/", views.email, name="email"),
    path("<slug:order>/<slug:template>/<slug:kind>/", views.part, name="part"),
]
