"""Agents' figures over the members they enrolled, counted in SQL: retention at 3, 6 and 12 months, on-time
renewals, duplicate NIKs, back-checks; and the ranking that rewards cover that lasts over sign-ups."""

import datetime as dt
from decimal import Decimal

import pytest

from cakupan.accounts.models import User
from cakupan.agents import kpis, scoring
from cakupan.agents.models import BackCheck
from cakupan.agents.services.backcheck import back_check_record
from cakupan.agents.services.sync import records_sync
from cakupan.agents.tests.conftest import DESA_2, new_record, nik_for, person
from cakupan.agents.tests.kpi_world import MONTHLY, clock_fixture, field_fixture  # noqa: F401
from cakupan.coverage.services import membership_record
from cakupan.registry.models import Membership

DEC = dt.date(2026, 12, 1)


def figures(user, today) -> scoring.Figures:
    return kpis.figures_by_agent(User.objects.filter(pk=user.pk), today=today)[user.pk]


def test_scoring_is_plain_arithmetic():
    lasting = scoring.Figures(enrolled=20, judged_3=20, kept_3=20, judged_6=20, kept_6=18, judged_12=10,
                              kept_12=9, months_due=100, paid_on_time=90, sent=20, duplicates=0,
                              checks_answered=2, checks_passed=2)  # fmt: skip
    result = scoring.score(lasting)
    # 0,25×0,9 + 0,25×0,9 + 0,20×1 + 0,10×1 + 0,10×0,9 + 0,05×1 + 0,05×0,2 = 0,9 → 90
    assert result.value == Decimal("90.0")
    # Nothing judged at 12 months and no back-check answered: those terms drop out, the rest rescale.
    young = scoring.Figures(enrolled=10, judged_3=10, kept_3=10, judged_6=10, kept_6=8, sent=10)
    # (0,10×1 + 0,25×0,8 + 0,05×1 + 0,05×0,1) ÷ (0,10 + 0,25 + 0,05 + 0,05) = 0,355 ÷ 0,45 = 78,9%
    assert scoring.score(young).value == Decimal("78.9")
    assert set(scoring.score(young).terms) == {"kept_3", "kept_6", "unique", "signups"}
    few = scoring.Figures(enrolled=9, judged_3=9, kept_3=9)
    assert (scoring.score(few).value, scoring.score(few).enough) == (None, False)
    assert scoring.percent_of(Decimal(2) / 3) == Decimal("66.7")
    assert (few + young).enrolled == 19


@pytest.fixture
def history(people, field, clock):
    """The agent's six members enrolled in December 2026: four paid for a year from December (paid through
    November 2027); two in another desa paid late for January and February only (paid on 20 February)."""
    field.join("agent")
    clock.set(dt.date(2026, 12, 3))
    lasting = field.enrol(4, phones=True)
    short = field.enrol(2, desa=DESA_2, phones=True)
    field.fund(lasting, start=DEC, months=12, paid_on=dt.date(2026, 12, 3))
    # Three months from January funded in December, of which only two are ever paid, late.
    invoice = field.fund(short, start=dt.date(2027, 1, 1), months=3, paid_on=None)
    clock.set(dt.date(2027, 2, 20))
    field.pay(invoice, amount=2 * 2 * MONTHLY, paid_on=dt.date(2027, 2, 20))
    return lasting, short


def test_retention_counts_members_covered_n_months_after_enrolment(people, history):
    _, short = history
    assert set(Membership.objects.filter(worker__in=short).values_list("paid_through", flat=True)) == {
        dt.date(2027, 2, 1)
    }
    # March 2027: the third month after December is not over yet, nobody is judged.
    early = figures(people["agent"], dt.date(2027, 3, 10))
    assert (early.enrolled, early.judged_3, early.kept_3) == (6, 0, 0)
    # In April, March is over: four of six still covered in March.
    april = figures(people["agent"], dt.date(2027, 4, 1))
    assert (april.judged_3, april.kept_3, april.judged_6) == (6, 4, 0)
    later = figures(people["agent"], dt.date(2028, 1, 15))
    assert (later.judged_6, later.kept_6, later.judged_12, later.kept_12) == (6, 4, 6, 0)
    assert scoring.percent_of(later.retention(6)) == Decimal("66.7")


def test_a_new_membership_after_a_lapse_covers_only_from_its_start(people, history):
    _, short = history
    # One of the lapsed pair joins again in October 2027 (a new membership, from BPJS TK's roster), paid
    # through December: covered twelve months after enrolment, not six.
    membership_record(worker=short[0], kpj="39000000001", segment="BPU", paid_through=dt.date(2027, 12, 1),
                      since=dt.date(2027, 10, 1))  # fmt: skip
    result = figures(people["agent"], dt.date(2028, 1, 15))
    assert (result.kept_3, result.kept_6, result.kept_12) == (4, 4, 1)


def test_on_time_renewals_are_months_paid_by_their_due_date(people, history):
    # Months due: January–December 2027 for six members = 72. Paid by the due date: the four members' January
    # to November (paid ahead in December) = 44; the pair's January and February were paid on 20 February,
    # after their due dates (15 January; 15 February 2027 is a Monday).
    result = figures(people["agent"], dt.date(2028, 1, 15))
    assert (result.months_due, result.paid_on_time) == (72, 44)
    assert scoring.percent_of(result.on_time) == Decimal("61.1")
    # Before any month after enrolment is over, nothing is due.
    assert figures(people["agent"], dt.date(2027, 1, 20)).months_due == 0


def test_duplicate_nik_rate_counts_records_refused_for_a_known_or_pending_nik(people, history, field):
    lasting, _ = history
    pending = person(nik=nik_for(female=True), name="Sedang Didaftarkan")
    with field.callbacks(execute=True):
        records_sync(user=people["agent2"], records=[new_record(pending)])
    known = person(nik=lasting[0].nik, name=lasting[0].name)
    with field.callbacks(execute=True):
        results = records_sync(user=people["agent"], records=[new_record(known), new_record(pending)])
    assert [r.code for r in results] == ["nik_registered", "nik_pending"]
    result = figures(people["agent"], dt.date(2027, 3, 1))
    assert (result.sent, result.duplicates) == (8, 2)
    assert scoring.percent_of(result.duplicate_rate) == Decimal("25.0")
    assert figures(people["agent2"], dt.date(2027, 3, 1)).duplicates == 0


def test_back_check_pass_rate_is_passed_over_answered(people, history):
    checks = list(BackCheck.objects.filter(agent=people["agent"]).order_by("pk"))
    # One of the four (5% rounded up) and one of the two: every synced batch is checked at least once.
    assert len(checks) == 2
    before = figures(people["agent"], dt.date(2027, 3, 1))
    assert (before.checks_answered, before.check_pass_rate) == (0, None)
    back_check_record(check=checks[0], actor=people["regency"], result="passed")
    back_check_record(check=checks[1], actor=people["regency"], result="failed")
    after = figures(people["agent"], dt.date(2027, 3, 1))
    assert (after.checks_answered, after.checks_passed) == (2, 1)
    assert scoring.percent_of(after.check_pass_rate) == Decimal("50.0")


def test_the_ranking_rewards_cover_that_lasts_over_sign_ups(people, field, clock):
    field.join("agent")
    field.join("agent2", institution=False)
    clock.set(dt.date(2026, 12, 3))
    steady = field.enrol(10)
    field.fund(steady, start=DEC, months=12, paid_on=dt.date(2026, 12, 3))
    busy = field.enrol(12, agent="agent2")
    busy_lapsing = field.enrol(12, agent="agent2", desa=DESA_2)
    field.fund(busy, start=DEC, months=12, paid_on=dt.date(2026, 12, 3))
    field.fund(busy_lapsing, start=DEC, months=3, paid_on=dt.date(2026, 12, 3))
    field.enrol(3, agent="outsider", desa="36.73.01.1001", checker="coordinator")
    clock.set(dt.date(2027, 7, 5))

    ranking = kpis.agent_ranking(user=people["regency"])
    assert [(row.agent.username, row.rank) for row in ranking.rows] == [("agen", 1), ("agen2", 2)]
    first, second = ranking.rows
    assert (first.figures.enrolled, first.figures.kept_6, second.figures.enrolled, second.figures.kept_6) == (
        10, 10, 24, 12,
    )  # fmt: skip
    assert first.result.value > second.result.value
    # Per institution: the agent's koperasi, and the pendamping without one.
    assert [(t.name, t.agents, t.figures.enrolled) for t in ranking.institutions] == [
        ("Koperasi Nelayan Malingping", 1, 10), ("Tanpa lembaga (pendamping)", 1, 24),
    ]  # fmt: skip
    assert ranking.total.enrolled == 34
    only = kpis.agent_ranking(user=people["regency"], institution=str(field.institution.pk))
    assert [row.agent.username for row in only.rows] == ["agen"]
    none = kpis.agent_ranking(user=people["regency"], institution=kpis.NO_INSTITUTION)
    assert [row.agent.username for row in none.rows] == ["agen2"]
    # The province sees Kota Serang's agent too, shown without a rank: three members are too few to judge.
    wide = kpis.agent_ranking(user=people["coordinator"])
    assert [(row.agent.username, row.rank, row.result.enough) for row in wide.rows] == [
        ("agen", 1, True), ("agen2", 2, True), ("serang", None, False),
    ]  # fmt: skip


def test_an_agent_sees_only_herself_and_supervisors_only_their_area(people, db):
    from cakupan.accounts import authorization as authz

    def seen(viewer, agent):
        found = kpis.agent_visible(
            user=people[viewer], agent_id=people[agent].pk, action=authz.AGENT_KPI_VIEW
        )
        return found is not None

    assert seen("agent", "agent") and not seen("agent", "agent2")
    assert seen("regency", "agent") and not seen("regency", "outsider")
    assert seen("coordinator", "outsider") and seen("auditor", "outsider")
    assert not seen("agent", "outsider")
    assert not kpis.agent_visible(
        user=people["regency"], agent_id=people["regency"].pk, action=authz.AGENT_KPI_VIEW
    )


def test_the_agents_months_with_cohorts_and_commission(people, history, clock):
    clock.set(dt.date(2027, 4, 2))
    activity = kpis.agent_activity(people["agent"])
    rows = kpis.agent_months(activity)
    assert [row.month for row in rows[:5]] == [dt.date(2027, m, 1) for m in (4, 3, 2, 1)] + [DEC]
    december = rows[4]
    assert (december.cohort.enrolled, december.cohort.judged[3], december.cohort.kept[3]) == (6, 6, 4)
    assert december.commission.collected == 4 * 12 * MONTHLY
    assert december.commission.commission == 4 * 12 * MONTHLY * 750 // 10_000
    february = rows[2]
    assert (february.commission.collected, february.commission.new_members) == (4 * MONTHLY, 0)
    assert [(row.month.month, row.commission.empty_months) for row in rows[:2]] == [(4, 2), (3, 1)]
    assert rows[-1].month == DEC  # she started in December: no months before it
