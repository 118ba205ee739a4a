"""``manage.py delightmail``."""
