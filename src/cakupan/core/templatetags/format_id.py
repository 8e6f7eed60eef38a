from django import template

from cakupan.core import formatting

register = template.Library()


@register.filter
def angka(value, decimals=0):
    return "–" if value is None else formatting.number_id(value, int(decimals))


@register.filter
def persen(value, decimals=1):
    return formatting.percent_id(value, int(decimals))


@register.filter
def rupiah(value):
    return "–" if value is None else formatting.rupiah(value)


@register.filter
def rupiah_singkat(value):
    return "–" if value is None else formatting.rupiah_short(value)


@register.filter
def bulan(value):
    return "–" if value is None else formatting.month_id(value.year, value.month)
