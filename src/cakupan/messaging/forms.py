"""The campaign form: what an officer types, checked field by field in Bahasa."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms

from cakupan.core.sectors import SECTOR_LABELS
from cakupan.messaging.campaigns import CAMPAIGN_CHANNELS, COVERAGE
from cakupan.messaging.models import Channel, MessageTemplate, Purpose

JAKARTA = ZoneInfo("Asia/Jakarta")
DECILES = [(str(d), f"Desil {d}") for d in range(1, 11)] + [("0", "Belum diketahui")]


class CampaignForm(forms.Form):
    name = forms.CharField(label="Nama kampanye", max_length=120)
    region_code = forms.CharField(
        label="Kode wilayah (provinsi, kab/kota, kecamatan atau desa)", max_length=13
    )
    sectors = forms.MultipleChoiceField(
        label="Sektor (kosong: semua)",
        required=False,
        choices=list(SECTOR_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    deciles = forms.MultipleChoiceField(
        label="Desil DTSEN (kosong: semua)",
        required=False,
        choices=DECILES,
        widget=forms.CheckboxSelectMultiple,
    )
    coverage = forms.MultipleChoiceField(
        label="Status kepesertaan (kosong: semua)",
        required=False,
        choices=list(COVERAGE.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    channel = forms.ChoiceField(label="Saluran", choices=[(c, Channel(c).label) for c in CAMPAIGN_CHANNELS])
    template = forms.ChoiceField(label="Templat pesan")
    scheduled_at = forms.DateTimeField(
        label="Dikirim mulai (WIB)",
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        error_messages={"invalid": "Tulis waktu sebagai TTTT-BB-HHTjj:mm, misalnya 2027-01-10T09:00."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keys = (
            MessageTemplate.objects.filter(purpose=Purpose.LITERACY).values_list("key", flat=True).distinct()
        )
        self.fields["template"].choices = [(key, key.replace("_", " ").capitalize()) for key in sorted(keys)]

    def clean_scheduled_at(self) -> dt.datetime:
        value = self.cleaned_data["scheduled_at"]
        # Officers type Jakarta time.
        return value.replace(tzinfo=JAKARTA) if value.tzinfo is None else value.astimezone(JAKARTA)
