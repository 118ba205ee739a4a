"""The preview at /delightmail/, for staff."""

from django.urls import include, path

urlpatterns = [path("delightmail/", include("delightmail.contrib.django.urls"))]
