"""The dashboard's choropleth as SVG drawn on the server: boundary features projected into a viewBox and
coloured by coverage. No Django here.

Why not the chart library: on a cheap phone over 3G the map waited for 1.1 MB of JavaScript (about 9.7 s);
as SVG inside the page it is there with the first paint, its regions are plain links (drill down without
JavaScript) and each carries a <title> (the tooltip). The chart library still draws the other charts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WIDTH = 1000
# Light sand for the lowest coverage to the brand's dark green for the highest (as the legend shows).
STOPS = ("#f3e6c4", "#a9d3a4", "#3c8f5e", "#0b5d3b")
NO_DATA = "#e2e6ea"


@dataclass(frozen=True)
class Shape:
    code: str
    path: str


@dataclass(frozen=True)
class Outline:
    width: int
    height: int
    shapes: tuple[Shape, ...]


def _polygons(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def outline(features: Sequence[dict], *, width: int = WIDTH) -> Outline:
    """Project the features (GeoJSON, longitude/latitude) onto a `width`-wide plane: an equirectangular
    projection with longitudes shortened by the cosine of the middle latitude, which at Banten's size
    (about 2° across) is indistinguishable from a conformal one. Points are rounded to 0.1 unit and a
    point that rounds onto the previous one is dropped."""
    points = [
        point
        for feature in features
        for polygon in _polygons(feature["geometry"])
        for ring in polygon
        for point in ring
    ]
    if not points:
        return Outline(width=width, height=0, shapes=())
    west = min(point[0] for point in points)
    east = max(point[0] for point in points)
    south = min(point[1] for point in points)
    north = max(point[1] for point in points)
    stretch = math.cos(math.radians((north + south) / 2))
    span = max((east - west) * stretch, north - south, 1e-9)
    scale = width / span
    height = math.ceil(round((north - south) * scale, 1))
    shapes = []
    for feature in features:
        parts = []
        for polygon in _polygons(feature["geometry"]):
            for ring in polygon:
                previous = None
                ring_parts = []
                for lng, lat in ((point[0], point[1]) for point in ring):
                    xy = (round((lng - west) * stretch * scale, 1), round((north - lat) * scale, 1))
                    if xy == previous:
                        continue
                    ring_parts.append(f"{_number(xy[0])} {_number(xy[1])}")
                    previous = xy
                if len(ring_parts) >= 3:
                    parts.append("M" + "L".join(ring_parts) + "Z")
        shapes.append(Shape(code=feature["properties"]["code"], path="".join(parts)))
    return Outline(width=width, height=height, shapes=tuple(shapes))


def _number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def colour_range(values: Iterable[float | None]) -> tuple[int, int]:
    """The scale spans the observed range rounded out to 5 points (at least 10 points wide), not 0–100%:
    regions at 23% and 54% must not share one pale shade."""
    observed = [value for value in values if value is not None]
    if not observed:
        return 0, 100
    low = math.floor(min(observed) / 5) * 5
    high = math.ceil(max(observed) / 5) * 5
    if high - low < 10:
        high = min(100, low + 10)
        low = max(0, high - 10)
    return low, high


def colour(value: float | None, low: int, high: int) -> str:
    """The colour of a value on the scale: linear between the stops, NO_DATA for a region without figures."""
    if value is None:
        return NO_DATA
    share = 0.0 if high <= low else min(1.0, max(0.0, (value - low) / (high - low)))
    position = share * (len(STOPS) - 1)
    index = min(int(position), len(STOPS) - 2)
    start, end = _rgb(STOPS[index]), _rgb(STOPS[index + 1])
    fraction = position - index
    mixed = (round(a + (b - a) * fraction) for a, b in zip(start, end, strict=True))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[index : index + 2], 16) for index in (1, 3, 5))
