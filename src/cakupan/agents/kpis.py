"""Reads of field agents' performance: the figures of `scoring` counted in SQL over the members each agent
enrolled, the ranking of the agents in a supervisor's area, an agent's months with her commission.

Every figure is an aggregate over sets (enrolled records joined with memberships and funded months, grouped
by agent and month); Python only adds up the grouped rows, whose number grows with agents × months, never
with members. Months are counted as year × 12 + month − 1 (`commission.month_index`) on both databases;
a record's enrolment month is the month of its settling in Asia/Jakarta (WIB, UTC+7 all year)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.accounts.models import Role, User
from cakupan.agents.commission import Commission, RuleFigures, commission_for, empty_months_until, month_index
from cakupan.agents.models import (
    AgentInstitution,
    AgentProfile,
    BackCheck,
    BackCheckStatus,
    CommissionRule,
    FieldRecord,
    RecordKind,
    RecordStatus,
)
from cakupan.agents.scoring import HORIZONS, Figures, Score, rank_key, score
from cakupan.core.scoping import area_filter
from cakupan.funding.models import FundedMonth
from cakupan.registry.models import Membership
from cakupan.rules.engine import Month, due_date

DUPLICATE_CODES = ("nik_registered", "nik_pending")
# The agent's own page shows this many months, newest first.
PAGE_MONTHS = 24
NO_INSTITUTION = "tanpa"

FR = FieldRecord._meta.db_table
MB = Membership._meta.db_table
FM = FundedMonth._meta.db_table


def month_of(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _index_sql(column: str) -> str:
    """year × 12 + month − 1 of a date column (percent signs doubled: the cursor takes parameters)."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(YEAR FROM {column})::int * 12 + EXTRACT(MONTH FROM {column})::int - 1)"
    return (
        f"(CAST(strftime('%%Y', {column}) AS INTEGER) * 12 + CAST(strftime('%%m', {column}) AS INTEGER) - 1)"
    )


def _local_index_sql(column: str) -> str:
    """The same for a timestamp, in the project's time zone."""
    if connection.vendor == "postgresql":
        return _index_sql(f"({column} AT TIME ZONE '{settings.TIME_ZONE}')")
    # SQLite keeps aware timestamps as UTC text; Jakarta has had one offset since 1964 (no summer time).
    offset = timezone.get_default_timezone().utcoffset(dt.datetime(2026, 1, 1))
    hours = int(offset.total_seconds() // 3600)
    local = f"{column}, '{hours:+d} hours'"
    return f"(CAST(strftime('%%Y', {local}) AS INTEGER) * 12 + CAST(strftime('%%m', {local}) AS INTEGER) - 1)"


def _enrolled_sql(agents: QuerySet) -> tuple[str, list]:
    """(agent_id, worker_id, em): every member the agents enrolled, with her enrolment month."""
    agent_sql, params = agents.order_by().values("pk").query.sql_with_params()
    sql = (
        f"SELECT r.agent_id, r.worker_id, {_local_index_sql('r.settled_at')} AS em FROM {FR} r "
        "WHERE r.kind = %s AND r.status = %s AND r.worker_id IS NOT NULL AND r.settled_at IS NOT NULL "
        f"AND r.agent_id IN ({agent_sql})"
    )
    return sql, [RecordKind.NEW, RecordStatus.REGISTERED, *params]


def _covered_sql(horizon: int) -> str:
    """The member was covered in month em + horizon: a membership paid through it and running by then
    (a membership started after a lapse does not cover the months before it)."""
    month = f"e.em + {int(horizon)}"
    return (
        f"EXISTS (SELECT 1 FROM {MB} m WHERE m.worker_id = e.worker_id "
        f"AND {_index_sql('m.paid_through')} >= {month} "
        f"AND (m.since IS NULL OR {_index_sql('m.since')} <= {month}))"
    )


@dataclass
class Cohort:
    """The members an agent enrolled in one month, and how many of them were still covered later."""

    enrolled: int = 0
    judged: dict[int, int] = field(default_factory=dict)
    kept: dict[int, int] = field(default_factory=dict)

    def retention(self, horizon: int) -> Decimal | None:
        judged = self.judged.get(horizon, 0)
        return None if not judged else Decimal(self.kept.get(horizon, 0)) / judged


def _cohorts(agents: QuerySet, last: int) -> dict[int, dict[int, Cohort]]:
    """{agent: {enrolment month: Cohort}}; members are judged at N months once month em + N is over."""
    enrolled, params = _enrolled_sql(agents)
    columns, column_params = [], []
    for horizon in HORIZONS:
        columns.append(f"SUM(CASE WHEN e.em + {horizon} <= %s THEN 1 ELSE 0 END)")
        columns.append(f"SUM(CASE WHEN e.em + {horizon} <= %s AND {_covered_sql(horizon)} THEN 1 ELSE 0 END)")
        column_params += [last, last]
    sql = (
        f"SELECT e.agent_id, e.em, COUNT(*), {', '.join(columns)} FROM ({enrolled}) e "
        "GROUP BY e.agent_id, e.em"
    )
    result: dict[int, dict[int, Cohort]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*column_params, *params])
        for agent_id, em, count, *pairs in cursor.fetchall():
            cohort = Cohort(enrolled=int(count))
            for index, horizon in enumerate(HORIZONS):
                cohort.judged[horizon] = int(pairs[2 * index] or 0)
                cohort.kept[horizon] = int(pairs[2 * index + 1] or 0)
            result.setdefault(agent_id, {})[int(em)] = cohort
    return result


def _collected(agents: QuerySet) -> dict[int, dict[int, int]]:
    """{agent: {month of payment: contributions paid in it (Rp)}}: paid funded months of her members."""
    enrolled, params = _enrolled_sql(agents)
    sql = (
        f"SELECT e.agent_id, {_index_sql('f.paid_on')} AS pm, SUM(f.cost) FROM {FM} f "
        f"JOIN ({enrolled}) e ON e.worker_id = f.worker_id "
        "WHERE f.paid = %s AND f.paid_on IS NOT NULL GROUP BY e.agent_id, pm"
    )
    result: dict[int, dict[int, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, True])
        for agent_id, paid_month, total in cursor.fetchall():
            result.setdefault(agent_id, {})[int(paid_month)] = int(total)
    return result


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _paid_on_time(agents: QuerySet, last: int) -> dict[int, int]:
    """{agent: months after the enrolment month, up to the last finished month, paid by their due date}.
    Grouped by month and payment date in SQL; each month's due date comes from the rules engine."""
    enrolled, params = _enrolled_sql(agents)
    month = _index_sql("f.month")
    sql = (
        f"SELECT e.agent_id, f.month, f.paid_on, COUNT(*) FROM {FM} f JOIN ({enrolled}) e "
        f"ON e.worker_id = f.worker_id WHERE f.paid = %s AND f.paid_on IS NOT NULL AND {month} > e.em "
        f"AND {month} <= %s GROUP BY e.agent_id, f.month, f.paid_on"
    )
    due: dict[dt.date, dt.date] = {}
    result: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, True, last])
        for agent_id, paid_month, paid_on, count in cursor.fetchall():
            paid_month = _as_date(paid_month)
            if paid_month not in due:
                due[paid_month] = due_date(Month.of(paid_month))
            if _as_date(paid_on) <= due[paid_month]:
                result[agent_id] = result.get(agent_id, 0) + int(count)
    return result


def _sent(agents: QuerySet) -> dict[int, tuple[int, int]]:
    rows = (
        FieldRecord.objects.filter(kind=RecordKind.NEW, agent__in=agents.order_by().values("pk"))
        .values("agent_id")
        .annotate(
            sent=Count("id"),
            duplicates=Count("id", filter=Q(status=RecordStatus.REJECTED, code__in=DUPLICATE_CODES)),
        )
        .order_by()
    )
    return {row["agent_id"]: (row["sent"], row["duplicates"]) for row in rows}


def _checks(agents: QuerySet) -> dict[int, tuple[int, int]]:
    rows = (
        BackCheck.objects.filter(agent__in=agents.order_by().values("pk"))
        .values("agent_id")
        .annotate(
            answered=Count("id", filter=Q(status__in=[BackCheckStatus.PASSED, BackCheckStatus.FAILED])),
            passed=Count("id", filter=Q(status=BackCheckStatus.PASSED)),
        )
        .order_by()
    )
    return {row["agent_id"]: (row["answered"], row["passed"]) for row in rows}


def _last_finished(today: dt.date) -> int:
    return month_index(today) - 1


def figures_by_agent(agents: QuerySet, *, today: dt.date | None = None) -> dict[int, Figures]:
    """The figures of each agent of the queryset (agents with nothing yet get zeros)."""
    last = _last_finished(today or timezone.localdate())
    cohorts = _cohorts(agents, last)
    on_time = _paid_on_time(agents, last)
    sent = _sent(agents)
    checks = _checks(agents)
    result = {}
    for agent_id in agents.values_list("pk", flat=True):
        months = cohorts.get(agent_id, {})
        counts = {"enrolled": sum(c.enrolled for c in months.values())}
        for horizon in HORIZONS:
            counts[f"judged_{horizon}"] = sum(c.judged[horizon] for c in months.values())
            counts[f"kept_{horizon}"] = sum(c.kept[horizon] for c in months.values())
        # Every month after the enrolment month up to the last finished one falls due once per member.
        counts["months_due"] = sum(c.enrolled * max(0, last - em) for em, c in months.items())
        counts["paid_on_time"] = on_time.get(agent_id, 0)
        counts["sent"], counts["duplicates"] = sent.get(agent_id, (0, 0))
        counts["checks_answered"], counts["checks_passed"] = checks.get(agent_id, (0, 0))
        result[agent_id] = Figures(**counts)
    return result


# --- who may be seen --------------------------------------------------------------------------------------


def agents_visible(user) -> QuerySet:
    """Field agents whose area lies in the user's area (their records lie in their own area)."""
    agents = User.objects.filter(role=Role.FIELD_AGENT)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return agents.none()
    if user.is_superuser:
        return agents
    if user.area_id is None:
        return agents.none()
    return agents.filter(area_filter("area_id", user.area_id))


def agent_visible(*, user, agent_id: int, action: str) -> User | None:
    """One agent the user may see under the action (an agent: only herself), or None: another area's
    agent, another agent and no such user look the same."""
    agent = agents_visible(user).filter(pk=agent_id).first()
    if agent is None or not authz.can(user, action, agent):
        return None
    return agent


# --- the ranking ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentRow:
    agent: User
    institution: AgentInstitution | None
    figures: Figures
    result: Score
    rank: int | None

    @property
    def name(self) -> str:
        return self.agent.get_full_name() or self.agent.get_username()


@dataclass(frozen=True)
class InstitutionTotal:
    institution: AgentInstitution | None
    agents: int
    figures: Figures
    result: Score

    @property
    def name(self) -> str:
        return self.institution.name if self.institution else "Tanpa lembaga (pendamping)"


@dataclass(frozen=True)
class Ranking:
    rows: list[AgentRow]
    institutions: list[InstitutionTotal]
    choices: list[AgentInstitution]
    total: Figures


def _profiles(agents: QuerySet) -> dict[int, AgentProfile]:
    return {
        profile.user_id: profile
        for profile in AgentProfile.objects.filter(user__in=agents.order_by().values("pk")).select_related(
            "institution"
        )
    }


def agent_ranking(*, user, institution: str = "", today: dt.date | None = None) -> Ranking:
    """The agents of the user's area, ranked (`scoring`), optionally of one institution (its id, or
    NO_INSTITUTION), with totals per institution."""
    agents = agents_visible(user)
    profiles = _profiles(agents)
    choices = sorted({p.institution for p in profiles.values() if p.institution}, key=lambda i: i.name)
    if institution == NO_INSTITUTION:
        agents = agents.exclude(pk__in=[pk for pk, p in profiles.items() if p.institution_id])
    elif institution:
        agents = agents.filter(
            pk__in=[pk for pk, p in profiles.items() if str(p.institution_id) == institution]
        )
    figures = figures_by_agent(agents, today=today)
    rows = []
    for agent in agents.order_by("username"):
        profile = profiles.get(agent.pk)
        rows.append(
            AgentRow(
                agent,
                profile.institution if profile else None,
                figures[agent.pk],
                score(figures[agent.pk]),
                None,
            )
        )
    rows.sort(key=lambda row: rank_key(row.figures, row.result, row.name))
    ranked, position = [], 0
    for row in rows:
        if row.result.value is not None:
            position += 1
            row = AgentRow(row.agent, row.institution, row.figures, row.result, position)
        ranked.append(row)
    groups: dict[int | None, list[AgentRow]] = {}
    for row in ranked:
        groups.setdefault(row.institution.pk if row.institution else None, []).append(row)
    totals = []
    for members in groups.values():
        summed = sum((row.figures for row in members), Figures())
        totals.append(InstitutionTotal(members[0].institution, len(members), summed, score(summed)))
    totals.sort(key=lambda total: (total.institution is None, total.name))
    return Ranking(
        rows=ranked,
        institutions=totals,
        choices=choices,
        total=sum((row.figures for row in ranked), Figures()),
    )


# --- one agent's months and her commission -----------------------------------------------------------------


def rule_in_force(month: dt.date, rules: list[CommissionRule] | None = None) -> CommissionRule | None:
    """The commission rule for the month: the latest that took effect on or before it (from `rules`,
    newest first, when the caller already read them)."""
    if rules is None:
        return CommissionRule.objects.filter(valid_from__lte=month).order_by("-valid_from").first()
    return next((rule for rule in rules if rule.valid_from <= month), None)


def rule_figures(rule: CommissionRule) -> RuleFigures:
    return RuleFigures(
        rate_bp=rule.rate_bp,
        bonus_threshold=rule.bonus_threshold,
        bonus_amount=rule.bonus_amount,
        institution_share_bp=rule.institution_share_bp,
        removal_months=rule.removal_months,
    )


@dataclass(frozen=True)
class Activity:
    """An agent's months: members enrolled (by cohort), contributions collected, when she started."""

    agent: User
    institution: AgentInstitution | None
    cohorts: dict[int, Cohort]
    collected: dict[int, int]
    start: dt.date

    @property
    def active_months(self) -> list[dt.date]:
        months = {em for em, c in self.cohorts.items() if c.enrolled} | {
            m for m, v in self.collected.items() if v
        }
        return [month_of(index) for index in months]

    def commission(self, month: dt.date, rule: CommissionRule) -> Commission:
        index = month_index(month)
        cohort = self.cohorts.get(index)
        return commission_for(
            rule=rule_figures(rule),
            month=month,
            collected=self.collected.get(index, 0),
            new_members=cohort.enrolled if cohort else 0,
            empty_months=empty_months_until(month, active=self.active_months, start=self.start),
            has_institution=self.institution is not None,
        )


def agent_activity(agent: User, *, today: dt.date | None = None) -> Activity:
    agents = User.objects.filter(pk=agent.pk)
    last = _last_finished(today or timezone.localdate())
    profile = AgentProfile.objects.filter(user=agent).select_related("institution").first()
    joined = timezone.localtime(agent.date_joined).date()
    start = min(profile.active_since, joined) if profile else joined
    return Activity(
        agent=agent,
        institution=profile.institution if profile else None,
        cohorts=_cohorts(agents, last).get(agent.pk, {}),
        collected=_collected(agents).get(agent.pk, {}),
        start=start.replace(day=1),
    )


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    cohort: Cohort
    commission: Commission | None  # None before any commission rule took effect


def agent_months(activity: Activity, *, today: dt.date | None = None) -> list[MonthRow]:
    """Her months, newest first: from the month she started (or first had members) to this month."""
    current = month_index(today or timezone.localdate())
    first = min([month_index(activity.start), *activity.cohorts, *activity.collected])
    rules = list(CommissionRule.objects.order_by("-valid_from"))
    rows = []
    for index in range(current, max(first, current - PAGE_MONTHS + 1) - 1, -1):
        month = month_of(index)
        rule = rule_in_force(month, rules)
        rows.append(
            MonthRow(
                month=month,
                cohort=activity.cohorts.get(index, Cohort()),
                commission=activity.commission(month, rule) if rule else None,
            )
        )
    return rows
