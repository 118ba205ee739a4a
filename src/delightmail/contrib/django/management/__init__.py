"""Django's management commands of delightmail."""
