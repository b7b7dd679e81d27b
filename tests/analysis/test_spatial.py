"""Point-in-polygon with the boundary inside, and municipality assignment."""

from __future__ import annotations

import numpy as np
import shapely

from resilience.analysis import assign_municipality, covers_xy

# A 10 × 10 square with a 2 × 2 hole in the middle.
SQUARE = shapely.Polygon(
    [(0, 0), (10, 0), (10, 10), (0, 10)], holes=[[(4, 4), (6, 4), (6, 6), (4, 6)]]
)
X = np.array([0.0, 5.0, 10.0, 5.0, 5.0, 4.0, 10.000001, -1.0])
Y = np.array([0.0, 0.0, 5.0, 5.0, 2.0, 5.0, 5.0, -1.0])
# vertex, bottom edge, right edge, in the hole, interior, on the hole's edge, outside x2
EXPECTED = [True, True, True, False, True, True, False, False]


def test_boundary_and_hole_edges_count_as_inside() -> None:
    assert covers_xy(SQUARE, X, Y).tolist() == EXPECTED


def test_many_polygons_take_the_tree_path_with_the_same_answer() -> None:
    """Over 16 polygons covers_xy queries an STRtree instead of scanning per polygon."""
    far = [shapely.box(100 + 3 * i, 100, 101 + 3 * i, 101) for i in range(20)]
    many = shapely.GeometryCollection([SQUARE, *far])
    assert covers_xy(many, X, Y).tolist() == EXPECTED
    assert covers_xy(many, np.array([101.0]), np.array([100.5])).tolist() == [True]


def test_nothing_is_inside_no_geometry() -> None:
    assert covers_xy(None, X, Y).tolist() == [False] * X.size
    assert covers_xy(shapely.Polygon(), X, Y).tolist() == [False] * X.size


def test_municipality_lowest_code_on_a_shared_boundary_none_outside() -> None:
    boundaries = {
        "2403": shapely.MultiPolygon([shapely.box(10, 0, 20, 10)]),
        "2401": shapely.box(0, 0, 10, 10),
    }
    x = np.array([5.0, 10.0, 15.0, 25.0, 20.0])
    y = np.array([5.0, 5.0, 5.0, 5.0, 10.0])
    codes = assign_municipality(x, y, boundaries)
    assert codes.tolist() == ["2401", "2401", "2403", None, "2403"]
