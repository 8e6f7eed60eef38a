"""The demo's SERTAKAN seed: once, through the real services and the local Midtrans emulator."""

from io import StringIO

from django.core.management import call_command

from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.funding.services import funding_demo_seed
from cakupan.sponsors.models import GiftListing, MatchingRule, OrderState, PaymentOrder, Sponsorship


def test_demo_seed_runs_once(small_population):
    for account in DEMO_ACCOUNTS:
        user_upsert_demo(account=account, password="Banten-UCJ-2026")
    funding_demo_seed()
    out = StringIO()
    call_command("sertakan", "demo", stdout=out)
    assert out.getvalue().strip() == (
        "2 program menerima sumbangan, 1 aturan dana pendamping; akun `sponsor` mendukung 1 pekerja "
        "(dibayar) dan menunggu persetujuan 1 pekerja."
    )
    assert sorted(Sponsorship.objects.values_list("status", flat=True)) == ["active", "awaiting_consent"]
    assert PaymentOrder.objects.get().state == OrderState.PAID
    assert (GiftListing.objects.count(), MatchingRule.objects.count()) == (2, 1)
    again = StringIO()
    call_command("sertakan", "demo", stdout=again)
    assert again.getvalue().strip() == "Sudah ada dukungan SERTAKAN; dilewati."
    assert PaymentOrder.objects.count() == 1
