from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class Order(models.Model):
    """An order as the shop keeps it: its number, and the order as delightmail reads it."""

    number = models.CharField(max_length=64, unique=True)
    data = models.JSONField(encoder=DjangoJSONEncoder)  # Decimal amounts kept as strings
    placed = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.number
