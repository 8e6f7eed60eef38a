"""Renewal reminders queued by the monthly cycle from the rules engine's dates, to self-paying BPU members
who agreed to them; dropped at sending time once the month is paid; a held-back group to measure them."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cakupan.coverage.services import membership_record
from cakupan.funding.cycle import cycle_run
from cakupan.funding.reminders import reminders_queue
from cakupan.messaging import services as messaging
from cakupan.messaging.models import Message, MessageState
from cakupan.messaging.selectors import reminder_effect
from cakupan.messaging.sending import outbox_drain
from cakupan.registry.models import Membership
from cakupan.registry.services import worker_register

JAKARTA = ZoneInfo("Asia/Jakarta")
MONTH = dt.date(2026, 12, 1)
# The cycle for December 2026 decides the day after its due date (Tuesday 15 December).
NOW = dt.datetime(2026, 12, 16, 10, 0, tzinfo=JAKARTA)


@pytest.fixture(autouse=True)
def clock(monkeypatch, settings):
    monkeypatch.setattr("cakupan.funding.reminders._now", lambda: NOW)
    settings.MESSAGING = {
        **settings.MESSAGING,
        "reminders": {**settings.MESSAGING["reminders"], "holdout_percent": 0},
    }


def member(serial: int, paid_through: dt.date, *, consent=("whatsapp",), segment="BPU", name="siti aminah"):
    phone = f"+62812345670{serial:02d}"
    worker = worker_register(
        nik=f"3602015505900{serial:03d}",
        name=name,
        birth_date=dt.date(1990, 5, 15),
        sex="P",
        desa_code="36.02.01.2002",
        sector="nelayan",
        monthly_income=800_000,
        decile=1,
        phone=phone,
    )
    membership_record(worker=worker, kpj=f"{serial:011d}", segment=segment, paid_through=paid_through)
    if consent:
        messaging.consent_record(
            address=phone, channels=consent, purposes=["reminder"], granted=True, source="registration"
        )
    return worker


@pytest.fixture
def members(db):
    return {
        "paid_dec": member(1, dt.date(2026, 12, 1)),
        "missed_dec": member(2, dt.date(2026, 11, 1), consent=("sms",)),
        "nearly_lapsed": member(3, dt.date(2026, 10, 1), consent=("sms", "whatsapp")),
        "no_consent": member(4, dt.date(2026, 11, 1), consent=()),
        "wage_earner": member(5, dt.date(2026, 11, 1), segment="PU"),
        "lapsed": member(6, dt.date(2026, 9, 1)),
    }


_STARTED = dt.datetime.now(dt.UTC)


def after_all_send_times():
    """1 February 2027 and moving on as the machine's clock does (the rate limit needs time to pass)."""
    return dt.datetime(2027, 2, 1, 9, 0, tzinfo=JAKARTA) + (dt.datetime.now(dt.UTC) - _STARTED)


def _at(day: int, month: int, year: int) -> dt.datetime:
    return dt.datetime(year, month, day, 9, 0, tzinfo=JAKARTA)


def test_each_member_gets_the_reminder_their_dates_call_for(members):
    assert reminders_queue(month=MONTH) == {
        "queued": 3,
        "held_back": 0,
        "pengingat_jatuh_tempo": 1,
        "pengingat_terlewat": 1,
        "pengingat_nonaktif": 1,
    }
    got = {m.worker_id: m for m in Message.objects.select_related("template")}
    assert set(got) == {members["paid_dec"].pk, members["missed_dec"].pk, members["nearly_lapsed"].pk}

    due = got[members["paid_dec"].pk]
    assert (due.template.key, due.channel, due.about_month) == (
        "pengingat_jatuh_tempo",
        "whatsapp",
        dt.date(2027, 1, 1),
    )
    assert due.next_attempt_at == _at(10, 1, 2027)  # five days before Friday 15 January 2027
    assert due.body.startswith(
        "Halo Siti, iuran BPJS Ketenagakerjaan Anda untuk Januari 2027 sebesar Rp16.800 "
        "jatuh tempo 15 Januari 2027. Bayar lewat JMO, kantor pos, Indomaret, Alfamart atau bank dengan "
        "nomor KPJ Anda: http://127.0.0.1:8000/cara-bayar/ Balas BERHENTI"
    )
    assert due.parameters[:4] == ["Siti", "Januari 2027", "Rp16.800", "15 Januari 2027"]

    missed = got[members["missed_dec"].pk]
    assert (missed.template.key, missed.channel, missed.about_month) == (
        "pengingat_terlewat",
        "sms",
        dt.date(2026, 12, 1),
    )
    assert missed.next_attempt_at == NOW  # the day after the due date is today: at once
    assert "Desember 2026 (Rp8.400) belum terbayar. Bayar sebelum 15 Februari 2027" in missed.body

    nearly = got[members["nearly_lapsed"].pk]
    assert (nearly.template.key, nearly.channel, nearly.about_month) == (
        "pengingat_nonaktif",
        "whatsapp",
        dt.date(2026, 11, 1),
    )
    assert nearly.next_attempt_at == _at(9, 1, 2027)  # a week before nonaktif on 16 January 2027
    assert "menjadi nonaktif pada 16 Januari 2027" in nearly.body
    assert nearly.region_code == "36.02.01.2002"


def test_a_second_run_queues_nothing_new(members):
    reminders_queue(month=MONTH)
    assert reminders_queue(month=MONTH)["queued"] == 0
    assert Message.objects.count() == 3


def test_the_cycle_queues_them_and_says_so(members):
    run, _ = cycle_run(month=MONTH)
    assert run.summary["reminders"]["queued"] == 3


def test_a_month_paid_meanwhile_is_not_reminded(members, channels_on):
    reminders_queue(month=MONTH)
    # BPJS TK's roster says the December contribution came in before the reminder went out.
    Membership.objects.filter(worker=members["missed_dec"]).update(paid_through=dt.date(2026, 12, 1))
    assert outbox_drain(channel="sms", clock=after_all_send_times) == {"already_paid": 1}
    message = Message.objects.get(worker=members["missed_dec"])
    assert (message.state, message.error_code) == (MessageState.CANCELLED, "already_paid")


def test_held_back_reminders_are_recorded_not_sent_and_the_effect_is_measured(
    members, settings, channels_on, django_user_model
):
    settings.MESSAGING = {
        **settings.MESSAGING,
        "reminders": {**settings.MESSAGING["reminders"], "holdout_percent": 50},
    }
    counts = reminders_queue(month=MONTH)
    held = Message.objects.filter(state=MessageState.CANCELLED, error_code="holdout")
    assert counts["held_back"] == held.count()
    assert counts["queued"] + counts["held_back"] == 3
    # Which ones are held back is fixed by worker and month, not by chance at run time.
    import zlib

    expected = {
        w.pk
        for w in (members["paid_dec"], members["missed_dec"], members["nearly_lapsed"])
        if zlib.crc32(f"{w.pk}:{Message.objects.get(worker=w).about_month:%Y-%m}".encode()) % 100 < 50
    }
    assert set(held.values_list("worker_id", flat=True)) == expected
    outbox_drain(channel="sms", clock=after_all_send_times)
    outbox_drain(channel="whatsapp", clock=after_all_send_times)
    for worker in (members["paid_dec"], members["missed_dec"], members["nearly_lapsed"]):
        Membership.objects.filter(worker=worker).update(paid_through=dt.date(2027, 1, 1))
    officer = django_user_model.objects.create_user(
        username="p", password="x", role="provincial_coordinator", area_id="36"
    )
    effect = {row["key"]: row for row in reminder_effect(user=officer)}
    for key, row in effect.items():
        message = Message.objects.get(template__key=key)
        if message.state == MessageState.CANCELLED:
            assert (row["held"], row["held_paid"], row["held_share"], row["reminded"]) == (1, 1, 100.0, 0)
        else:
            assert (row["reminded"], row["reminded_paid"], row["reminded_share"], row["held"]) == (
                1,
                1,
                100.0,
                0,
            )
