"""Template filters for the Indonesian formats of `cakupan.core.formatting`; blanks show as a dash."""

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone

from cakupan.core import formatting

register = template.Library()


@register.filter
def angka(value):
    """5760000 → 5.760.000."""
    return "–" if value is None else formatting.number(int(value))


@register.filter
def persen(value, places=1):
    """Decimal('42.86') → 42,9%."""
    return "–" if value is None else formatting.percent(Decimal(value), int(places))


@register.filter
def bulan(value):
    """date(2026, 11, 1) → November 2026."""
    return "–" if value is None else formatting.month_long(value)


@register.filter
def rupiah(value):
    """1500000 → Rp1.500.000."""
    return "–" if value is None else formatting.rupiah(int(value))


@register.filter
def tanggal(value):
    """date(2026, 11, 3) → 3 November 2026; an aware datetime by its day in Asia/Jakarta."""
    if value is None:
        return "–"
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formatting.date_long(value)
