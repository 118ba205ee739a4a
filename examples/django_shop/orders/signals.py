"""An order created sends its confirmation, after the transaction commits.

Never inside it: a transaction that rolls back would have emailed an order that
does not exist, and a slow mail server would hold the database's locks.
"""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from delightmail.contrib.django import send_confirmation

from .models import Order


@receiver(post_save, sender=Order)
def confirm_new_order(
    sender: type[Order], instance: Order, created: bool, **kwargs: object
) -> None:
    if created:
        # With Celery: transaction.on_commit(lambda: send_confirmation_task.delay(instance.data))
        transaction.on_commit(lambda: send_confirmation(instance.data))
