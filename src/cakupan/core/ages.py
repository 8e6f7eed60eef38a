"""Age bands: the dashboard's breakdown and what roles that see no birth date are shown instead of one.
No Django import."""

from __future__ import annotations

import datetime as dt

# (younger than this many years, band label); everyone older is in the last band.
AGE_BANDS = ((25, "15-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64"))
OLDEST_BAND = "65+"


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_band(birth_date: dt.date, *, on: dt.date) -> str:
    """The band of a person born on `birth_date`, on the day `on` (15-24 also holds the few younger)."""
    for years, label in AGE_BANDS:
        if birth_date > years_before(on, years):
            return label
    return OLDEST_BAND


def age_band_label(band: str) -> str:
    """For people: "35–44 tahun", "65+ tahun"."""
    return f"{band.replace('-', '–')} tahun"
