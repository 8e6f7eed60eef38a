"""One definition of covered: whatever members have paid, after a month's cycle the status the rules
engine writes on each membership and the dashboard's count of that month agree, member for member."""

import datetime as dt
import itertools

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan.coverage import dashboard
from cakupan.funding.candidates import add_months
from cakupan.funding.cycle import cycle_run
from cakupan.funding.tests.conftest import DESA_A, DESA_C
from cakupan.registry.models import Membership

MONTH = dt.date(2026, 11, 1)
_kpj = itertools.count(70_000_000_001)

member = st.tuples(
    st.integers(-40, 12),  # paid through MONTH + this many months
    st.sampled_from(["PU", "BPU"]),
    st.sampled_from([DESA_A, DESA_C]),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(members=st.lists(member, min_size=1, max_size=8))
def test_membership_status_and_the_dashboard_never_disagree(make_worker, people, members):
    with transaction.atomic():
        for offset, segment, desa in members:
            worker = make_worker(desa, kpj=str(next(_kpj)), paid_through=add_months(MONTH, offset))
            Membership.objects.filter(worker=worker).update(segment=segment)
        cycle_run(month=MONTH, refresh=True)
        statuses = list(Membership.objects.values_list("status", flat=True))
        for code in ["36", *sorted({desa[:5] for _, _, desa in members})]:
            figure = dashboard.coverage_summary(
                user=people["coordinator"], region_code=code, month=MONTH
            ).region
            inside = (
                Membership.objects.filter(worker__desa__code__startswith=f"{code}.") if code != "36" else None
            )
            counted = list(inside.values_list("status", flat=True)) if inside is not None else statuses
            assert (figure.covered, figure.in_arrears, figure.lapsed) == (
                counted.count("aktif"), counted.count("menunggak"), counted.count("nonaktif"),
            )  # fmt: skip
            # Active is exactly "this month's contribution paid": the engine's word and the SQL's.
            paid = Membership.objects.filter(paid_through__gte=MONTH)
            if inside is not None:
                paid = paid.filter(worker__desa__code__startswith=f"{code}.")
            assert figure.covered == paid.count()
        transaction.set_rollback(True)
