"""The public village look-up of `/kantor/` (a read): which desa/kelurahan match a typed name, and whether
each has a village operator. Nothing about the operator is read except that an active account exists."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Q

from cakupan.accounts.models import Role, User
from cakupan.core.folding import Folded, fold
from cakupan.regions.models import Region, RegionLevel

__all__ = [
    "MAX_QUERY",
    "MAX_RESULTS",
    "MIN_QUERY",
    "VillageMatch",
    "VillageSearch",
    "regency_names",
    "village_search",
]

# The longest desa name in Banten has 21 letters, the longest kecamatan 14: a real query stays far below
# this, and a longer one is pasted text, not a name.
MAX_QUERY = 60
MIN_QUERY = 3
# A phone screen of answers; more means the name is common ("Sukamaju"), so ask for the kecamatan too.
MAX_RESULTS = 20
MAX_WORDS = 4


@dataclass(frozen=True)
class VillageMatch:
    code: str
    name: str
    kind: str  # "desa" or "kelurahan" (the source's words), empty when unknown
    district: str
    regency: str
    regency_code: str  # for the link to the BPJS TK offices of the kab/kota
    has_operator: bool

    @property
    def title(self) -> str:
        return f"{self.kind.capitalize()} {self.name}" if self.kind else self.name

    @property
    def office(self) -> str:
        return "kantor kelurahan" if self.kind == "kelurahan" else "kantor desa"


@dataclass(frozen=True)
class VillageSearch:
    """`state`: `empty` (nothing typed), `too_short`, `too_long`, `none` (no match) or `found`."""

    query: str
    state: str
    matches: tuple[VillageMatch, ...] = ()
    more: bool = False


def _clean(text: str | None) -> str:
    """Control characters out (PostgreSQL refuses a NUL byte), runs of spaces into one."""
    text = "".join(" " if unicodedata.category(char).startswith("C") else char for char in (text or ""))
    return re.sub(r"\s+", " ", text).strip()


def village_search(*, text: str | None) -> VillageSearch:
    """Desa/kelurahan whose name, kecamatan or kab/kota contains every typed word (case and accents
    ignored), with whether an active village-operator account works in each."""
    query = _clean(text)
    if not query:
        return VillageSearch(query="", state="empty")
    if len(query) > MAX_QUERY:
        return VillageSearch(query="", state="too_long")
    if len(query.replace(" ", "")) < MIN_QUERY:
        return VillageSearch(query=query, state="too_short")
    words = [word for word in fold(query).split(" ") if word][:MAX_WORDS]
    villages = Region.objects.filter(level=RegionLevel.VILLAGE).annotate(
        folded_name=Folded("name"),
        folded_district=Folded("parent__name"),
        folded_regency=Folded("parent__parent__name"),
    )
    for word in words:
        villages = villages.filter(
            Q(folded_name__contains=word)
            | Q(folded_district__contains=word)
            | Q(folded_regency__contains=word)
        )
    found = list(villages.select_related("parent__parent").order_by("name", "code")[: MAX_RESULTS + 1])
    if not found:
        return VillageSearch(query=query, state="none")
    shown = found[:MAX_RESULTS]
    with_operator = set(
        User.objects.filter(
            role=Role.VILLAGE_OPERATOR, is_active=True, area_id__in=[village.code for village in shown]
        ).values_list("area_id", flat=True)
    )
    matches = tuple(
        VillageMatch(
            code=village.code,
            name=village.name,
            kind=village.kind,
            district=village.parent.name if village.parent else "",
            regency=village.parent.parent.name if village.parent and village.parent.parent else "",
            regency_code=village.parent.parent.code if village.parent and village.parent.parent else "",
            has_operator=village.code in with_operator,
        )
        for village in shown
    )
    return VillageSearch(query=query, state="found", matches=matches, more=len(found) > MAX_RESULTS)


def regency_names(*, province: str) -> list[tuple[str, str]]:
    """(code, name) of every kab/kota of the province, in code order: the rows of the office list."""
    regencies = Region.objects.descendants_of(province).filter(level=RegionLevel.REGENCY).order_by("code")
    return list(regencies.values_list("code", "name"))
