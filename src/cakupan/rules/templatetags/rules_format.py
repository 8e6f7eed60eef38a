"""Indonesian formats for templates: `{{ 16800|rupiah }}` → Rp16.800, `{{ 42000000|rupiah_short }}`
→ Rp42 juta.

Thin wrappers over `cakupan.core.formatting`, so templates, the CLI and engine messages agree.
A value that is not a number is shown unchanged rather than failing the page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from cakupan.core import formatting
from cakupan.rules.engine import Month

register = template.Library()

CONFIDENCE_LABELS = {"H": "keyakinan tinggi", "M": "keyakinan sedang", "L": "keyakinan rendah"}


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@register.filter
def rupiah(value: Any) -> str:
    number = _integer(value)
    return value if number is None else formatting.rupiah(number)


@register.filter
def rupiah_short(value: Any) -> str:
    number = _integer(value)
    return value if number is None else formatting.rupiah_short(number)


@register.filter
def angka(value: Any) -> str:
    number = _integer(value)
    return value if number is None else formatting.number(number)


@register.filter
def desimal(value: Any) -> str:
    try:
        return formatting.decimal_number(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return value


@register.filter
def persen(value: Any) -> str:
    try:
        return formatting.percent(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return value


@register.filter
def tanggal(value: Any) -> str:
    return formatting.date_long(value) if isinstance(value, dt.date) else value


@register.filter
def bulan(value: Any) -> str:
    return formatting.month_long(value) if isinstance(value, Month) else value


@register.filter
def keyakinan(value: Any) -> str:
    return CONFIDENCE_LABELS.get(value, value)
