"""The server-drawn map: projection, rounding and the colour scale."""

import json
from pathlib import Path

import pytest

from cakupan.coverage import mapsvg

BOUNDARIES = Path(__file__).resolve().parents[2] / "regions" / "data" / "boundaries"


def _square(code, west, south, size):
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return {"properties": {"code": code}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_two_squares_side_by_side_fill_the_width():
    # At the equator a degree of longitude is as long as one of latitude.
    result = mapsvg.outline([_square("a", 0, 0, 1), _square("b", 1, 0, 1)], width=200)
    assert (result.width, result.height) == (200, 100)
    assert [shape.code for shape in result.shapes] == ["a", "b"]
    assert result.shapes[0].path == "M0 100L100 100L100 0L0 0L0 100Z"
    assert result.shapes[1].path == "M100 100L200 100L200 0L100 0L100 100Z"


def test_longitudes_shrink_with_the_cosine_of_the_latitude():
    result = mapsvg.outline([_square("a", 0, 59.5, 1)], width=100)
    # cos(60°) = 0.5: the square is half as wide as it is tall, so the height fills the scale.
    assert result.height == 100
    assert result.shapes[0].path.startswith("M0 100L50 100L50 0")


def test_points_that_round_onto_the_previous_one_are_dropped_and_multipolygons_kept():
    close = [[0, 0], [0.00001, 0], [1, 0], [1, 1], [0, 0]]
    feature = {
        "properties": {"code": "x"},
        "geometry": {"type": "MultiPolygon", "coordinates": [[close], [[[2, 0], [3, 0], [3, 1], [2, 0]]]]},
    }
    (shape,) = mapsvg.outline([feature], width=300).shapes
    assert shape.path == "M0 100L100 100L100 0L0 100ZM200 100L300 100L300 0L200 100Z"


def test_no_features_is_an_empty_outline():
    assert mapsvg.outline([]) == mapsvg.Outline(width=1000, height=0, shapes=())


def test_the_province_map_is_small_enough_to_ship_inside_the_page():
    with (BOUNDARIES / "banten_kabkota.geojson").open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    result = mapsvg.outline(features)
    assert len(result.shapes) == 8 and all(shape.path.startswith("M") for shape in result.shapes)
    assert 0 < result.height < 1000
    assert sum(len(shape.path) for shape in result.shapes) < 40_000


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([23.4, 54.1], (20, 55)),
        ([42.0, 44.0], (40, 50)),
        ([97.0, 99.0], (90, 100)),
        ([None, 31.0], (30, 40)),
        ([], (0, 100)),
        ([None], (0, 100)),
    ],
)
def test_the_colour_range_spreads_the_observed_values(values, expected):
    assert mapsvg.colour_range(values) == expected


def test_colours_run_from_the_first_stop_to_the_last():
    assert mapsvg.colour(20, 20, 55) == "#f3e6c4"
    assert mapsvg.colour(55, 20, 55) == "#0b5d3b"
    assert mapsvg.colour(99, 20, 55) == "#0b5d3b"
    assert mapsvg.colour(0, 20, 55) == "#f3e6c4"
    # A third of the way is exactly the second stop.
    assert mapsvg.colour(30, 0, 90) == "#a9d3a4"
    assert mapsvg.colour(None, 20, 55) == mapsvg.NO_DATA
    assert mapsvg.colour(23.0, 20, 55) != mapsvg.colour(54.0, 20, 55)
