"""The Perisai commission: the pure arithmetic on hand-worked months, then statements built from the ledger
with people enrolled, funded and paid through the real services."""

import datetime as dt

import polars as pl
import pytest

from cakupan.agents.commission import RuleFigures, commission_for, empty_months_until
from cakupan.agents.kpis import rule_in_force
from cakupan.agents.models import CommissionRule
from cakupan.agents.statements import statement_build, statement_pdf, statement_xlsx
from cakupan.agents.tests.conftest import DESA_2
from cakupan.agents.tests.kpi_world import MONTHLY, clock_fixture, field_fixture  # noqa: F401
from cakupan.core.errors import DomainError
from cakupan.funding.models import FundedMonth

PERISAI = RuleFigures(rate_bp=750, bonus_threshold=50, bonus_amount=500_000, institution_share_bp=1000,
                      removal_months=3)  # fmt: skip
DEC = dt.date(2026, 12, 1)
JAN = dt.date(2027, 1, 1)


def month(**values):
    values = {"rule": PERISAI, "month": DEC, "collected": 0, "new_members": 0, "empty_months": 0, **values}
    return commission_for(**values)


def test_a_hand_worked_month():
    # 37 paid months × Rp16.800 = Rp621.600; 7,5% = Rp46.620; the institution keeps 10% = Rp4.662.
    result = month(collected=37 * 16_800, new_members=12)
    assert (result.collected, result.commission, result.bonus, result.gross) == (621_600, 46_620, 0, 46_620)
    assert (result.institution_share, result.agent_net, result.removal) == (4_662, 41_958, False)


def test_the_bonus_starts_at_fifty_new_members_and_the_institution_takes_no_share_of_it():
    fifty = month(collected=37 * 16_800, new_members=50)
    assert (fifty.bonus, fifty.gross, fifty.institution_share, fifty.agent_net) == (
        500_000, 546_620, 4_662, 541_958,
    )  # fmt: skip
    assert month(collected=37 * 16_800, new_members=49).bonus == 0
    # A bonus month with no contribution collected yet: the bonus alone, nothing for the institution.
    only = month(new_members=50)
    assert (only.commission, only.bonus, only.institution_share, only.agent_net) == (0, 500_000, 0, 500_000)


def test_fractions_of_a_rupiah_are_rounded_down():
    # 7,5% of Rp16.801 is Rp1.260,075 → Rp1.260; 10% of that is Rp126; the agent keeps Rp1.134.
    result = month(collected=16_801)
    assert (result.commission, result.institution_share, result.agent_net) == (1_260, 126, 1_134)
    # 7,5% of Rp16.900 is Rp1.267,50 → Rp1.267; 10% is Rp126,70 → Rp126.
    assert (month(collected=16_900).commission, month(collected=16_900).institution_share) == (1_267, 126)


def test_an_agent_without_institution_keeps_the_whole_commission():
    result = month(collected=621_600, has_institution=False)
    assert (result.institution_share, result.agent_net) == (0, 46_620)


def test_removal_comes_with_the_third_empty_month_not_the_second():
    assert month(empty_months=2).removal is False
    assert month(empty_months=3).removal is True
    active = [DEC]
    assert [empty_months_until(m, active=active, start=DEC) for m in (DEC, JAN, dt.date(2027, 2, 1),
            dt.date(2027, 3, 1))] == [0, 1, 2, 3]  # fmt: skip
    # Never any activity: counted from the month she started; nothing before it.
    assert empty_months_until(dt.date(2027, 2, 1), active=[], start=DEC) == 3
    assert empty_months_until(dt.date(2026, 11, 1), active=[], start=DEC) == 0
    # Activity after the month does not count for it.
    assert empty_months_until(JAN, active=[DEC, dt.date(2027, 3, 1)], start=DEC) == 1


@pytest.mark.parametrize(
    "values",
    [{"collected": -1}, {"collected": 1.5}, {"new_members": True}, {"empty_months": 1, "collected": 10}],
)
def test_nonsense_inputs_are_refused(values):
    with pytest.raises(ValueError):
        month(**values)


def test_the_rule_in_force_is_the_latest_that_took_effect(db):
    seeded = rule_in_force(DEC)
    assert (seeded.rate_bp, seeded.bonus_threshold, seeded.bonus_amount, seeded.institution_share_bp,
            seeded.removal_months) == (750, 50, 500_000, 1000, 3)  # fmt: skip
    assert "Kompas" in seeded.source
    later = CommissionRule.objects.create(
        valid_from=dt.date(2027, 7, 1), rate_bp=800, bonus_threshold=40, bonus_amount=600_000,
        institution_share_bp=1000, removal_months=3, source="uji",
    )  # fmt: skip
    assert rule_in_force(dt.date(2027, 6, 1)) == seeded
    assert rule_in_force(dt.date(2027, 7, 1)) == later
    assert rule_in_force(dt.date(2017, 12, 1)) is None


def test_a_statement_counts_what_was_paid_in_the_month_and_nothing_funded_but_unpaid(people, field, clock):
    field.join("agent")
    clock.set(dt.date(2026, 12, 3))
    mine = field.enrol(4)
    theirs = field.enrol(1, agent="agent2", desa=DESA_2)
    # Four members × 12 months = Rp806.400 invoiced; Rp621.600 paid on 10 December pays 37 months (every
    # member's first nine months, then one tenth), the rest on 5 January.
    clock.set(dt.date(2026, 12, 10))
    invoice = field.fund(mine, start=DEC, months=12, paid_on=dt.date(2026, 12, 10), amount=37 * MONTHLY)
    field.fund(theirs, start=DEC, months=12, paid_on=dt.date(2026, 12, 10))
    assert FundedMonth.objects.filter(worker__in=mine, paid=False).count() == 11

    december = statement_build(agent=people["agent"], month=DEC)
    result = december.result
    assert (result.collected, result.commission, result.institution_share, result.agent_net) == (
        621_600, 46_620, 4_662, 41_958,
    )  # fmt: skip
    assert (result.new_members, result.bonus, result.removal, result.empty_months) == (4, 0, False, 0)
    assert len(december.lines) == 37
    assert sum(line.contribution for line in december.lines) == 621_600
    assert {line.paid_on for line in december.lines} == {dt.date(2026, 12, 10)}
    assert {line.name for line in december.lines} == {w.name for w in mine}
    # NIKs masked on the document: only where the NIK was issued.
    assert all(line.nik.endswith("*" * 10) for line in december.lines)
    assert december.institution == "Koperasi Nelayan Malingping"

    clock.set(dt.date(2027, 1, 5))
    with field.callbacks(execute=True):
        from cakupan.funding import services as funding

        funding.payment_record(invoice=invoice, external_reference="TRX-SISA", amount=11 * MONTHLY,
                               paid_on=dt.date(2027, 1, 5), actor=people["treasurer"])  # fmt: skip
    january = statement_build(agent=people["agent"], month=JAN)
    assert (january.result.collected, january.result.commission, january.result.institution_share) == (
        184_800, 13_860, 1_386,
    )  # fmt: skip
    assert (january.result.new_members, len(january.lines)) == (0, 11)
    # December is what it was: a payment dated in January counts in January.
    assert statement_build(agent=people["agent"], month=DEC).result.collected == 621_600

    # The other agent's statement holds her own member only, and she has no institution.
    other = statement_build(agent=people["agent2"], month=DEC)
    assert (other.result.collected, other.result.institution_share, other.institution) == (
        12 * MONTHLY,
        0,
        "",
    )
    assert other.result.agent_net == 12 * MONTHLY * 750 // 10_000


def test_removal_after_three_empty_months_on_the_statement(people, field, clock):
    clock.set(dt.date(2026, 12, 3))
    workers = field.enrol(1)
    # One month paid in December (no more money afterwards): active in December only.
    field.fund(workers, start=DEC, months=1, paid_on=dt.date(2026, 12, 3))
    clock.set(dt.date(2027, 4, 20))
    empty = {m: statement_build(agent=people["agent"], month=m).result for m in
             (JAN, dt.date(2027, 2, 1), dt.date(2027, 3, 1))}  # fmt: skip
    assert [(r.empty_months, r.removal) for r in empty.values()] == [(1, False), (2, False), (3, True)]
    march = statement_build(agent=people["agent"], month=dt.date(2027, 3, 1))
    assert "3 bulan berturut-turut (Januari–Maret 2027)" in march.removal_text
    assert march.removal_text.startswith("Peringatan:")
    february = statement_build(agent=people["agent"], month=dt.date(2027, 2, 1))
    assert (
        not february.removal_text.startswith("Peringatan")
        and "2 bulan berturut-turut" in february.removal_text
    )


def test_fifty_new_members_in_a_month_earn_the_bonus_and_forty_nine_do_not(people, field, clock):
    field.join("agent")
    field.join("agent2")
    clock.set(dt.date(2026, 12, 3))
    field.enrol(50)
    field.enrol(49, agent="agent2", desa=DESA_2)
    fifty = statement_build(agent=people["agent"], month=DEC).result
    forty_nine = statement_build(agent=people["agent2"], month=DEC).result
    assert (fifty.new_members, fifty.bonus, fifty.institution_share, fifty.agent_net) == (
        50,
        500_000,
        0,
        500_000,
    )
    assert (forty_nine.new_members, forty_nine.bonus, forty_nine.agent_net) == (49, 0, 0)


def test_statement_files_carry_the_lines_totals_rule_and_warning(people, field, clock, tmp_path):
    field.join("agent")
    clock.set(dt.date(2026, 12, 3))
    workers = field.enrol(2)
    field.fund(workers, start=DEC, months=3, paid_on=dt.date(2026, 12, 3))
    clock.set(dt.date(2027, 4, 2))
    statement = statement_build(agent=people["agent"], month=dt.date(2027, 3, 1))
    assert statement.result.removal
    pdf = statement_pdf(statement)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000

    december = statement_build(agent=people["agent"], month=DEC)
    path = tmp_path / "komisi.xlsx"
    path.write_bytes(statement_xlsx(december))
    lines = pl.read_excel(path, sheet_name="Rincian")
    assert lines.columns == ["NIK", "Nama", "Bulan iuran", "Iuran (Rp)", "Dibayar"]
    assert lines.height == 7  # six paid months and the total
    assert lines["Iuran (Rp)"].to_list()[-1] == 6 * MONTHLY
    summary = pl.read_excel(path, sheet_name="Ringkasan", has_header=False)
    text = " ".join(str(v) for row in summary.iter_rows() for v in row if v is not None)
    assert "Desember 2026" in text and "Komisi 7,5% dari iuran terkumpul" in text
    assert "Sumber: jamsostek-rules §8 (Perisai)" in text
    assert "Bagian lembaga 10% dari komisi" in text


def test_no_statement_before_any_rule(people, db):
    with pytest.raises(DomainError) as caught:
        statement_build(agent=people["agent"], month=dt.date(2017, 12, 1))
    assert caught.value.code == "commission_rule_missing"
