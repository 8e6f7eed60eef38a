"""The demo's SERTAKAN: the `sertakan` treasurer acts for the SERTAKAN funder, BAZNAS's zakat program and
the CSR program take public gifts, the CSR matches sponsorships one to one, and the demo sponsor supports
one neighbour (paid through the local Midtrans emulator) and waits for another's consent."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model

from cakupan.funding.models import FundedMonth, FunderKind, FundingProgram
from cakupan.funding.services import funder_officer_add
from cakupan.messaging.models import Message
from cakupan.providers.emulators.midtrans import MidtransConfig, MidtransEmulator
from cakupan.registry.models import Membership, Worker
from cakupan.sponsors.models import PhoneCheck, Sponsorship
from cakupan.sponsors.services import common, staff
from cakupan.sponsors.services.orders import order_create
from cakupan.sponsors.services.settlement import notification_receive
from cakupan.sponsors.services.sponsorships import (
    sponsorship_answer,
    sponsorship_create_named,
    sponsorship_phone_confirm,
)

DEMO_KECAMATAN = "36.02.01."  # Malingping, Lebak: the demo village's kecamatan


def _uncovered(count: int) -> list[Worker]:
    """Informal workers of the demo's kecamatan, not covered and not funded by anyone."""
    covered = Membership.objects.filter(paid_through__gte=common.current_month()).values("worker_id")
    funded = FundedMonth.objects.values("worker_id")
    return list(
        Worker.objects.filter(desa__code__startswith=DEMO_KECAMATAN, employment="informal")
        .exclude(pk__in=covered)
        .exclude(pk__in=funded)
        .exclude(sector="formal")
        .order_by("decile", "pk")[:count]
    )


def _control(emulator: MidtransEmulator, path: str, payload: dict) -> None:
    request = urllib.request.Request(
        emulator.url + path,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30):
        pass


def sertakan_demo_seed() -> dict:
    """Idempotent: does nothing when sponsorships exist."""
    if Sponsorship.objects.exists():
        return {}
    users = get_user_model().objects
    admin = users.get(username="admin")
    funder = common.sertakan_funder()
    treasurer = users.filter(username="sertakan").first()
    if treasurer is not None:
        funder_officer_add(funder=funder, user=treasurer, actor=admin)
    counts = {"listings": 0, "rules": 0, "paid": 0, "waiting": 0}
    for program in FundingProgram.objects.filter(funder__kind__in=[FunderKind.ZAKAT, FunderKind.CSR]):
        officer = program.funder.officers.first() or admin
        staff.gift_listing_create(
            actor=officer if officer.role else admin,
            values={
                "program": str(program.pk),
                "judul": program.name,
                "keterangan": "Sumbangan menambah anggaran program ini; "
                + (
                    "hanya untuk pekerja mustahik."
                    if program.mustahik_only
                    else "untuk pekerja rentan di sekitarnya."
                ),
            },
        )
        counts["listings"] += 1
        if program.funder.kind == FunderKind.CSR:
            today = common.current_month()
            staff.matching_rule_create(
                actor=admin,
                values={
                    "program": str(program.pk),
                    "judul": f"{program.funder.name}: satu banding satu",
                    "rasio": "100",
                    "batas_sponsor": "500000",
                    "batas_total": "10000000",
                    "mulai": today.isoformat(),
                    "selesai": dt.date(today.year + 1, 12, 31).isoformat(),
                    "domain": "",
                },
            )
            counts["rules"] += 1
    sponsor = users.filter(username="sponsor").first()
    people = _uncovered(2)
    if sponsor is None or len(people) < 2:
        return counts
    paid, waiting = people
    # Paid for through the local emulator, as the server would be: the notification is taken in-process.
    options = dict(settings.SERTAKAN["midtrans"])
    with MidtransEmulator(
        MidtransConfig(server_key=options["server_key"], client_key=options.get("client_key", ""))
    ) as emulator:
        settings.SERTAKAN = {**settings.SERTAKAN, "midtrans": {**options, "base_url": emulator.url}}
        try:
            sponsorship = sponsorship_create_named(
                sponsor=sponsor,
                nik=paid.nik,
                name=paid.name,
                desa_code=paid.desa_id,
                phone=paid.phone or "081200000000",
                sector="",
                months=3,
            )
            if sponsorship.phone_check == PhoneCheck.PENDING:
                # No phone on file: the number the sponsor gave is checked first (here by the administrator,
                # who may act for any village operator).
                sponsorship_phone_confirm(sponsorship=sponsorship, actor=admin)
            body = Message.objects.filter(purpose="sertakan", worker=paid).latest("id").body
            sponsorship_answer(token=re.search(r"/sertakan/setuju/([^/]+)/", body).group(1), agree=True)
            order = order_create(sponsorship=sponsorship, sponsor=sponsor, method="qris")
            _control(emulator, "/_emulator/pay", {"order_id": order.order_id})
            with urllib.request.urlopen(emulator.url + "/_emulator/notifications", timeout=30) as response:
                notices = [item["body"].encode() for item in json.loads(response.read())]
            for notice in notices:
                notification_receive(raw=notice)
            counts["paid"] = 1
        finally:
            settings.SERTAKAN = {**settings.SERTAKAN, "midtrans": options}
    sponsorship_create_named(
        sponsor=sponsor,
        nik=waiting.nik,
        name=waiting.name,
        desa_code=waiting.desa_id,
        phone=waiting.phone or "081200000001",
        sector="",
        months=1,
        recurring=True,
    )
    counts["waiting"] = 1
    return counts


__all__ = ["sertakan_demo_seed"]
