"""Many notifications at once, each delivered twice, and a batch made in the middle of them: every order is
booked exactly once, no worker-month twice, and the ledger balances. Needs PostgreSQL (row locks)."""

import re
import threading

import pytest
from django.db import connection, connections

from cakupan.funding import enrolment
from cakupan.funding.models import FundedMonth, LedgerAccount, PlanLine
from cakupan.messaging.models import Message
from cakupan.sponsors import services
from cakupan.sponsors.models import OrderState, PaymentNotification, PaymentOrder
from cakupan.sponsors.services import common
from cakupan.sponsors.tests.conftest import DESA_A, control, notifications

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    # No serialized rollback: the reference data this test needs is loaded below (after a transactional
    # test that flushed it), and restoring a serialized copy collides with content types made anew.
    pytest.mark.django_db(transaction=True),
]

ORDERS = 12


@pytest.fixture
def reference_data(db):
    from django.contrib.contenttypes.models import ContentType

    from cakupan.messaging.models import MessageTemplate
    from cakupan.messaging.seed import seed_templates
    from cakupan.regions.loading import load_reference_data
    from cakupan.regions.models import LabourStat, Region

    # A flush makes the content types anew, with other ids than the ones this process has cached.
    ContentType.objects.clear_cache()
    load_reference_data(Region, LabourStat)
    seed_templates(MessageTemplate)


def test_concurrent_notifications_book_each_order_once(reference_data, midtrans, people, make_worker):
    orders = []
    for index in range(ORDERS):
        worker = make_worker(DESA_A, decile=1 + index % 9)
        sponsorship = services.sponsorship_create_named(
            sponsor=people["sponsor"], nik=worker.nik, name=worker.name, desa_code=worker.desa_id,
            phone="081234567890", sector="", months=3,
        )  # fmt: skip
        body = Message.objects.filter(purpose="sertakan", worker=worker).latest("id").body
        services.sponsorship_answer(token=re.search(r"/sertakan/setuju/([^/]+)/", body).group(1), agree=True)
        orders.append(
            services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="qris")
        )
    for order in orders:
        control(midtrans, "/_emulator/pay", {"order_id": order.order_id})
    bodies = notifications(midtrans) * 2
    answers, failures = [], []
    start = threading.Barrier(len(bodies) + 1)  # the deliveries and the batch

    def deliver(raw):
        try:
            start.wait(timeout=60)
            answers.append(services.notification_receive(raw=raw).code)
        except Exception as error:
            failures.append(repr(error))
        finally:
            connections.close_all()

    def make_batch():
        # BPJS TK's batch taken from the open plan while notifications are still being booked.
        try:
            start.wait(timeout=60)
            plan = PaymentOrder.objects.filter(plan__isnull=False).values_list("plan", flat=True).first()
            if plan is not None:
                from cakupan.funding.models import AllocationPlan

                enrolment.enrolment_batch_create(
                    plan=AllocationPlan.objects.get(pk=plan), actor=people["admin"]
                )
        except Exception as error:
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(raw,)) for raw in bodies]
    threads.append(threading.Thread(target=make_batch))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert sorted(answers) == ["applied"] * ORDERS + ["duplicate"] * ORDERS
    assert PaymentOrder.objects.filter(state=OrderState.PAID).count() == ORDERS
    assert FundedMonth.objects.count() == ORDERS * 3
    # Every paid line is in exactly one plan: the batched one or the one opened after it.
    assert PlanLine.objects.count() == ORDERS
    program = common.sertakan_funder().programs.get()
    balances = dict(LedgerAccount.objects.filter(program=program).values_list("kind", "balance"))
    total = sum(order.contribution for order in orders)
    assert balances == {"source": -total, "available": 0, "committed": total, "paid": 0, "covered": 0}
    assert PaymentNotification.objects.count() == 2 * ORDERS
