"""/kantor/: BPJS Ketenagakerjaan offices of Banten. No Django import."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cakupan.portal.information._words import OFFICES_FILE


@dataclass(frozen=True)
class Office:
    regency_code: str
    name: str
    address: str
    source_url: str
    source: str
    accessed: dt.date


@dataclass(frozen=True)
class RegencyOffices:
    code: str
    name: str
    offices: tuple[Office, ...]


OFFICE_COLUMNS = ("kabkota_code", "office", "address", "source_url", "source", "accessed")


def load_offices(path: Path = OFFICES_FILE) -> tuple[Office, ...]:
    """The offices a public source names; a row without a source is refused, not shown."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != OFFICE_COLUMNS:
            raise ValueError(f"{path.name}: columns must be {', '.join(OFFICE_COLUMNS)}")
        offices = []
        for number, row in enumerate(reader, start=2):
            if not row["office"].strip() or not row["source_url"].startswith("https://"):
                raise ValueError(f"{path.name} line {number}: an office needs a name and an https source")
            offices.append(
                Office(
                    regency_code=row["kabkota_code"].strip(),
                    name=row["office"].strip(),
                    address=row["address"].strip(),
                    source_url=row["source_url"].strip(),
                    source=row["source"].strip(),
                    accessed=dt.date.fromisoformat(row["accessed"].strip()),
                )
            )
    return tuple(offices)


def offices_by_regency(
    regencies: Iterable[tuple[str, str]], offices: Sequence[Office] | None = None
) -> tuple[RegencyOffices, ...]:
    """Every kab/kota (code, name) with the offices recorded in it, none where no source names one."""
    offices = load_offices() if offices is None else offices
    return tuple(
        RegencyOffices(code, name, tuple(office for office in offices if office.regency_code == code))
        for code, name in regencies
    )
