"""A program's allocation policy decides whom its plan funds (issue #14 item 3), through the real services."""

import datetime as dt

import pytest

from cakupan.allocation import policy as allocation_policy
from cakupan.audit.models import AuditEvent
from cakupan.core.errors import DomainError
from cakupan.funding import services
from cakupan.funding.models import AllocationPolicy, FundingProgram, PlanLine

JANUARY = dt.date(2027, 1, 1)
# CSR money gets the PP 50/2025 discount: transport workers pay half until March 2027, fishers do not.
FISHER_3_MONTHS = 16_800 * 3
TRANSPORT_3_MONTHS = 8_400 * 3


@pytest.fixture
def one_or_two(make_worker):
    """Room for one decile-1 fisher or two decile-2 transport workers."""
    fisher = make_worker(sector="nelayan", decile=1)
    drivers = [make_worker(sector="transportasi", decile=2) for _ in range(2)]
    return fisher, drivers


def _funded(plan) -> list[int]:
    return list(PlanLine.objects.filter(plan=plan).order_by("worker_id").values_list("worker_id", flat=True))


def test_policy_values_are_the_solvers():
    assert AllocationPolicy.VULNERABLE_FIRST.value == allocation_policy.VULNERABLE_FIRST
    assert AllocationPolicy.MOST_PEOPLE.value == allocation_policy.MOST_PEOPLE
    assert set(AllocationPolicy.values) == set(allocation_policy.POLICIES)


def test_default_policy_funds_the_most_vulnerable_first(one_or_two, program_factory, people):
    fisher, _ = one_or_two
    program = program_factory(
        funder="csr",
        budget=FISHER_3_MONTHS,
        months=3,
        start_month=JANUARY,
        fiscal_year=2027,
    )
    assert program.policy == AllocationPolicy.VULNERABLE_FIRST
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    assert _funded(plan) == [fisher.pk]
    assert (plan.funded, plan.cost) == (1, FISHER_3_MONTHS)
    assert plan.summary["per_program"][0]["policy"] == "rentan_dulu"


def test_most_people_per_rupiah_funds_the_two_drivers(one_or_two, program_factory, people):
    _, drivers = one_or_two
    program = program_factory(
        funder="csr",
        budget=FISHER_3_MONTHS,
        months=3,
        start_month=JANUARY,
        fiscal_year=2027,
        policy=AllocationPolicy.MOST_PEOPLE,
    )
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    assert _funded(plan) == [d.pk for d in drivers]
    assert (plan.funded, plan.cost) == (2, 2 * TRANSPORT_3_MONTHS)
    assert plan.summary["per_program"][0]["policy"] == "terbanyak"


def test_an_unknown_policy_is_refused_and_nothing_is_written(program_factory, people):
    with pytest.raises(DomainError) as caught:
        program_factory(funder="csr", policy="acak")
    assert (caught.value.code, caught.value.field) == ("program_policy_invalid", "policy")
    assert FundingProgram.objects.count() == 0
    program = program_factory(funder="csr")
    with pytest.raises(DomainError) as caught:
        services.program_update(program=program, actor=people["officer"], policy="acak")
    assert caught.value.code == "program_policy_invalid"
    program.refresh_from_db()
    assert program.policy == AllocationPolicy.VULNERABLE_FIRST


def test_changing_the_policy_is_audited(program_factory, people):
    program = program_factory(funder="csr")
    services.program_update(program=program, actor=people["officer"], policy=AllocationPolicy.MOST_PEOPLE)
    event = AuditEvent.objects.filter(object_id=str(program.pk)).order_by("-id").first()
    assert event.changes == {"policy": ["rentan_dulu", "terbanyak"]}
