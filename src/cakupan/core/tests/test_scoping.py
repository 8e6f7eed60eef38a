"""Area filters are ranges on the region code that the databases answer from an index, not by reading
every row (a LIKE 'X.%' is a full scan on SQLite and a Seq Scan on PostgreSQL)."""

import pytest
from django.db import connection, models

from cakupan.audit.models import AuditAction, AuditEvent
from cakupan.audit.services import audit_record
from cakupan.core.scoping import area_filter, region_within
from cakupan.regions.models import Region
from cakupan.registry.models import Worker


def _plan(queryset) -> str:
    if connection.vendor == "postgresql":
        # Small test tables make a sequential scan cheaper; forbidding it shows whether an index *can*
        # answer (with LIKE under a non-C collation none can, and the plan stays a Seq Scan).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("area", ["36.02", "36.02.01", "36.02.01.2002"])
def test_the_worker_area_filter_is_an_index_range(area):
    plan = _plan(Worker.objects.in_area(area).only("id"))
    if connection.vendor == "postgresql":
        assert "Seq Scan" not in plan and "Index" in plan, plan
    else:
        assert "SCAN registry_worker" not in plan and "SEARCH registry_worker USING" in plan, plan


@pytest.mark.django_db
def test_region_subtrees_are_an_index_range():
    plan = _plan(Region.objects.descendants_of("36.02", include_self=True))
    if connection.vendor == "postgresql":
        assert "Seq Scan" not in plan, plan
    else:
        assert "SCAN regions_region" not in plan, plan


@pytest.mark.django_db
def test_the_range_selects_exactly_the_area():
    codes = set(Region.objects.descendants_of("36.02", include_self=True).values_list("code", flat=True))
    everything = Region.objects.values_list("code", flat=True)
    assert codes == {code for code in everything if region_within(code, "36.02")}
    assert "36.02" in codes and "36.01" not in codes and "36.021" not in codes
    assert len(codes) == 1 + 28 + 345  # Lebak: the regency, its kecamatan and its desa


@pytest.mark.django_db
def test_codes_that_only_share_a_prefix_are_outside():
    # Written as any event would be; the codes are odd on purpose ("36.020" shares the text "36.02").
    for code in ("36.02", "36.02.01.2002", "36.020", "36.02/x", "36.03.01"):
        audit_record(action=AuditAction.EXPORT, region_code=code, actor_username="petugas")
    inside = set(
        AuditEvent.objects.filter(area_filter("region_code", "36.02")).values_list("region_code", flat=True)
    )
    assert inside == {"36.02", "36.02.01.2002"}


@pytest.mark.django_db
def test_a_prefix_like_is_what_the_test_would_catch():
    """The assertion above is not vacuous: the old filter's plan reads every row."""
    plan = _plan(Worker.objects.filter(desa__code__startswith="36.02.").only("id"))
    if connection.vendor == "postgresql":
        assert "Seq Scan" in plan, plan
    else:
        assert "SCAN registry_worker" in plan, plan


@pytest.mark.django_db
def test_the_database_check_accepts_the_byte_order_collation():
    from cakupan.core.checks import check_code_collation

    assert check_code_collation(None, databases=["default"]) == []


@pytest.mark.django_db
def test_the_database_check_refuses_a_language_collation(monkeypatch):
    from cakupan.core import checks

    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares text byte by byte (BINARY)")
    monkeypatch.setattr(checks, "BYTE_ORDER_COLLATIONS", frozenset({"en_US.UTF-8"}))
    (error,) = checks.check_code_collation(None, databases=["default"])
    assert error.id == "cakupan.E004" and "'C.UTF-8'" in error.msg


@pytest.mark.django_db
def test_every_region_code_is_digits_and_dots():
    """The single range `code <= x < code + '/'` relies on it (see area_filter)."""
    import re

    pattern = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
    codes = list(Region.objects.values_list("code", flat=True))
    assert len(codes) > 1500 and [code for code in codes if not pattern.match(code)] == []


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("area", ["36.02", "36.02.01"])
def test_a_page_of_the_area_is_read_in_index_order_without_sorting(area):
    from cakupan.workspace.selectors import LIST_ORDER

    queryset = Worker.objects.in_area(area).order_by(*LIST_ORDER)[:25]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
        plan = _plan(queryset)
        # PostgreSQL's index ends in heap positions, not ids: at most an incremental sort of the rows
        # that tie on every index column, never a sort of the area.
        sorts_all = "Sort" in plan and "Presorted Key: desa_id, sector, sex, decile, birth_date" not in plan
        assert not sorts_all and "Index Scan using worker_desa_cell" in plan, plan
    else:
        plan = _plan(queryset)
        assert "TEMP B-TREE" not in plan, plan
        assert "SEARCH registry_worker USING INDEX worker_desa_cell" in plan, plan


@pytest.mark.django_db(transaction=False)
def test_the_old_or_filter_is_what_the_order_test_would_catch():
    """With "= code OR range" SQLite unions two lookups and sorts: the assertion above is not vacuous."""
    from cakupan.workspace.selectors import LIST_ORDER

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's planner is shown above with sorting forbidden")
    either = Worker.objects.filter(
        models.Q(desa__code="36.02") | models.Q(desa__code__gte="36.02.", desa__code__lt="36.02/")
    )
    plan = _plan(either.order_by(*LIST_ORDER)[:25])
    assert "TEMP B-TREE" in plan, plan
