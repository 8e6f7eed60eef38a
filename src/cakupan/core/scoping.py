"""The one area-scoping mechanism: personal records are filtered by the user's area, declared on the model's
queryset. Every view, API route, export and admin page asks `Model.objects.for_user(user)`."""

from __future__ import annotations

from django.db import models

# Roles whose accounts are public (sponsors) see no personal records through staff pages or the API.
ROLES_WITHOUT_RECORD_ACCESS = frozenset({"sponsor", ""})


def region_within(region_code: str, area_code: str) -> bool:
    """Codes are hierarchical: 36.02.01.2002 lies within 36.02, and 36.02 within itself."""
    return region_code == area_code or region_code.startswith(f"{area_code}.")


def area_range_sql(column: str, code: str) -> tuple[str, list[str]]:
    """Raw SQL for "`column` lies in the area": the same single range as `area_filter`."""
    return f"({column} >= %s AND {column} < %s)", [code, f"{code}/"]


def area_filter(lookup: str, code: str) -> models.Q:
    """Records whose region code (reached by `lookup`) is the code itself or lies beneath it, as one range
    on the code: `code <= x < code + "/"`. Region codes are digits and dots (Kemendagri), and '/' follows
    '.' in ASCII while every digit comes after '/', so the range holds the code, "code." and everything
    under it, and nothing else ("36.020" and "36.03" are outside).

    One range, not "= code OR a range": an index on the code then answers the filter *and* returns the
    rows in the index's order, so a page of a kab/kota's ~700,000 workers is read without sorting them
    (with the OR, SQLite unions two index lookups and sorts the whole area). A LIKE 'X.%' reads every
    row: SQLite's LIKE is case-insensitive and PostgreSQL's needs the C collation."""
    return models.Q(**{f"{lookup}__gte": code, f"{lookup}__lt": f"{code}/"})


class AreaScopedQuerySet(models.QuerySet):
    #: Path from the model to a region code, e.g. "desa__code" for workers.
    area_lookup: str = ""

    def in_area(self, code: str):
        return self.filter(area_filter(self.area_lookup, code))

    def for_user(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if getattr(user, "role", "") in ROLES_WITHOUT_RECORD_ACCESS or user.area_id is None:
            return self.none()
        return self.in_area(user.area_id)


class AreaScopedAdminMixin:
    """Admin pages show only records inside the staff user's area; others are 404 like elsewhere."""

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)
