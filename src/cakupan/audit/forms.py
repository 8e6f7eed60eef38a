from django import forms

from cakupan.audit.models import AuditAction
from cakupan.audit.selectors import AuditFilters

_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
_DATE_ERROR = "Tanggal tidak valid. Gunakan format HH/BB/TTTT, misalnya 23/11/2026."


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Nama pengguna", required=False, max_length=150)
    action = forms.ChoiceField(
        label="Aksi",
        required=False,
        choices=[("", "Semua aksi"), *AuditAction.choices],
        error_messages={"invalid_choice": "Aksi tidak dikenal."},
    )
    object_type = forms.CharField(
        label="Jenis objek", required=False, max_length=100, help_text="misalnya registry.worker"
    )
    object_id = forms.CharField(label="ID objek", required=False, max_length=64)
    date_from = forms.DateField(
        label="Dari tanggal",
        required=False,
        input_formats=_DATE_FORMATS,
        error_messages={"invalid": _DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label="Sampai tanggal",
        required=False,
        input_formats=_DATE_FORMATS,
        error_messages={"invalid": _DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("Tanggal awal harus sama dengan atau sebelum tanggal akhir.")
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            actor_username=data["actor"].strip(),
            action=data["action"],
            object_type=data["object_type"].strip(),
            object_id=data["object_id"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
