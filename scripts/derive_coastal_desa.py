"""Derive which Banten desa/kelurahan lie on the sea coast, for the synthetic population's fishers.

The vendored boundaries only cover Banten, so the province outline mixes coast with the land border
(DKI Jakarta and Jawa Barat to the east). The land border is the part of the outline east of 106.38°E
between 6.08°S and 6.95°S; everything else on the outline is coast (Java Sea, Sunda Strait, Indian
Ocean). A desa is coastal when its polygon comes within ~550 m (0.005°) of the coast.
The output is committed (regions/data/derived/desa_coastal.csv), so shapely is only a development
dependency. Run: .venv/bin/python scripts/derive_coastal_desa.py
"""

import csv
import itertools
import json
from pathlib import Path

from shapely.geometry import LineString, MultiLineString, shape
from shapely.ops import unary_union

DATA = Path(__file__).resolve().parents[1] / "src" / "cakupan" / "regions" / "data"
LAND_BORDER_MIN_LON, LAND_BORDER_LAT_RANGE = 106.38, (-6.95, -6.08)
NEAR_COAST_DEGREES = 0.005
GAP_CLOSING_DEGREES = 0.01


def on_land_border(lon: float, lat: float) -> bool:
    return lon > LAND_BORDER_MIN_LON and LAND_BORDER_LAT_RANGE[0] < lat < LAND_BORDER_LAT_RANGE[1]


def coast_lines(outline) -> MultiLineString:
    pieces = []
    for ring in outline.geoms:
        coords = list(ring.coords)
        for start, end in itertools.pairwise(coords):
            mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
            if not on_land_border(*mid):
                pieces.append(LineString([start, end]))
    return MultiLineString(pieces)


def main() -> None:
    regencies = json.loads((DATA / "boundaries" / "banten_kabkota.geojson").read_text())["features"]
    # Neighbouring kab/kota polygons do not meet exactly; closing the gaps (buffer out, then in) and
    # keeping only exterior rings leaves the true outline without slivers inside the province.
    province = unary_union([shape(f["geometry"]).buffer(GAP_CLOSING_DEGREES) for f in regencies])
    province = province.buffer(-GAP_CLOSING_DEGREES)
    polygons = list(province.geoms) if hasattr(province, "geoms") else [province]
    coast = coast_lines(MultiLineString([polygon.exterior for polygon in polygons]))
    villages = json.loads((DATA / "boundaries" / "banten_desa_kelurahan.geojson").read_text())["features"]
    out = DATA / "derived" / "desa_coastal.csv"
    out.parent.mkdir(exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "coastal"])
        for feature in sorted(villages, key=lambda f: f["properties"]["code"]):
            near = shape(feature["geometry"]).distance(coast) <= NEAR_COAST_DEGREES
            writer.writerow([feature["properties"]["code"], int(near)])


if __name__ == "__main__":
    main()
