"""Background booking of paid SERTAKAN orders (django-tasks): queued with each payment, in its transaction."""

from __future__ import annotations

from django_tasks import task


@task()
def orders_book_task() -> dict:
    from cakupan.sponsors.services.booking import orders_book

    return orders_book()


@task()
def orders_cancel_ended_task(sponsorship_id: int) -> dict:
    from cakupan.sponsors.services.orders import orders_cancel_ended

    return orders_cancel_ended(sponsorship_id=sponsorship_id)
