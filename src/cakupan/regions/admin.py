from django.contrib import admin
from django.db import models

from cakupan.regions.models import LabourStat, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "population")
    list_filter = ("level", "kind")
    search_fields = ("^code", "name")
    raw_id_fields = ("parent",)


@admin.register(LabourStat)
class LabourStatAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("period", "region", "indicator", "value", "unit", "value_type", "persons")
    list_filter = ("indicator", "period", "value_type")
    search_fields = ("indicator", "source_url")
