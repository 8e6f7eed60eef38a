from django.apps import apps

from cakupan.coverage.selectors import CoverageHeadline
from cakupan.coverage.selectors import province_headline as _province_headline

COUNTED_MODELS = ("regions.Region", "registry.Worker", "coverage.Membership", "coverage.RegionCoverage")


def province_headline() -> CoverageHeadline:
    return _province_headline("36")


def table_row_counts() -> dict[str, int]:
    """Exact row counts of the main tables, for the health check."""
    counts = {}
    for label in COUNTED_MODELS:
        model = apps.get_model(label)
        counts[model._meta.db_table] = model.objects.count()
    return counts
