"""Population grid cells (SCB style) from polygons, or from CSV lower-left corners.

A cell is kept by its lower-left corner and size in whole EPSG:3006 metres, so a polygon
must be an axis-aligned square once transformed (to within rounding to the metre). A cell
that is not, say a grid made in WGS 84, is refused rather than bent into one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geodata.loaders.fields import FieldError, find, whole
from geodata.loaders.geometry import invalid_reasons
from geodata.loaders.results import LoadResult, Problems, refuse
from geodata.loaders.sources import MAX_BYTES, Source, Table, read_table
from geodata.records import CellRecord

POPULATION_NAMES = ("population", "pop", "befolkning", "beftotalt")
CELL_SIZE_NAMES = ("cell_size",)
DEFAULT_CELL_SIZE = 1000  # metres, SCB's km grid


def _squares(cells: Sequence[BaseGeometry]) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: (x_ll, y_ll, width, height) rounded to whole metres, and whether it is an
    axis-aligned square (4 corners, each on its bounding box, width equal to height)."""
    arr = np.array(cells, dtype=object)
    xy, index = shapely.get_coordinates(arr, return_index=True)
    rounded = np.round(xy)
    minx, miny, maxx, maxy = np.round(shapely.bounds(arr)).T
    at_maxx = rounded[:, 0] == maxx[index]
    at_maxy = rounded[:, 1] == maxy[index]
    on_corner = (at_maxx | (rounded[:, 0] == minx[index])) & (
        at_maxy | (rounded[:, 1] == miny[index])
    )
    corners = np.zeros(len(cells), dtype=np.int64)
    np.bitwise_or.at(corners, index, np.left_shift(1, at_maxx + 2 * at_maxy))
    off_corner = np.bincount(index, weights=~on_corner, minlength=len(cells))
    width, height = maxx - minx, maxy - miny
    square = (
        (off_corner == 0)
        & (corners == 0b1111)  # all four corners visited
        & (shapely.get_num_coordinates(arr) == 5)
        & (shapely.get_num_interior_rings(arr) == 0)
        & (width == height)
        & (width > 0)
    )
    return np.column_stack([minx, miny, width, height]).astype(np.int64), square


def _csv_cell_size(table: Table, row: int, props: dict[str, Any], problems: Problems) -> int | None:
    """A CSV row's cell_size in the file's units (metres), default 1000; None if bad."""
    found = find(props, CELL_SIZE_NAMES)
    key = found[0] if found else "cell_size"
    try:
        size = whole(found[1], decimal_comma=table.decimal_comma) if found else None
    except FieldError as exc:
        problems.error(row, key, str(exc))
        return None
    if size is None:
        return DEFAULT_CELL_SIZE
    if size <= 0:
        problems.error(row, key, f"{size} is not a cell size; expected metres > 0")
        return None
    return size


def _cell_polygon(table: Table, row: int, geom: Any, problems: Problems) -> Polygon | None:
    """The cell polygon of a GeoJSON/GeoPackage feature, or None (reported)."""
    field = table.geometry_field
    if isinstance(geom, MultiPolygon) and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if not isinstance(geom, Polygon):
        problems.error(row, field, f"expected a Polygon (the cell), got a {geom.geom_type}")
        return None
    if geom.is_empty:
        problems.error(row, field, "empty geometry")
        return None
    return geom


def read_population(
    path: Source,
    crs: str | int | None = None,
    *,
    layer: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> LoadResult[CellRecord]:
    """Read population cells: polygons, or a CSV of x, y lower-left corners (EPSG:3006 unless
    `crs` says otherwise) with an optional cell_size (default 1000 m)."""
    table = read_table(path, crs=crs, layer=layer, max_bytes=max_bytes)
    if table.format == "csv" and table.geometry_field == "lon/lat":
        refuse(
            "file",
            "a population CSV needs x, y of each cell's lower-left corner in metres "
            "(EPSG:3006), not lon, lat",
            "lon/lat",
        )
    problems = table.problems()
    no_field = not any(find(f.props, POPULATION_NAMES) for f in table.features)
    if table.features and no_field:
        problems.error(
            None, "population", f"no population field; expected one of {POPULATION_NAMES}"
        )

    counts: dict[int, int] = {}
    declared: dict[int, tuple[str, int]] = {}
    rows: list[int] = []
    cells: list[Polygon] = []
    corner_rows: list[int] = []
    corners_in: list[tuple[float, float, int]] = []  # CSV: x, y, size in the file's CRS
    for row, feature in enumerate(table.features):
        found = find(feature.props, POPULATION_NAMES)
        key = found[0] if found else "population"
        try:
            count = whole(found[1], decimal_comma=table.decimal_comma) if found else None
        except FieldError as exc:
            problems.error(row, key, str(exc))
        else:
            if count is None:
                if not no_field:
                    problems.error(row, key, "missing population")
            elif count < 0:
                assert found is not None  # a count is read from a found field
                problems.error(row, key, f"{found[1]!r} is negative; expected a count >= 0")
            else:
                counts[row] = count
        if table.format != "csv" and (size_field := find(feature.props, CELL_SIZE_NAMES)):
            try:
                value = whole(size_field[1])
            except FieldError as exc:
                problems.error(row, size_field[0], str(exc))
            else:
                if value is not None:
                    declared[row] = (size_field[0], value)

        if table.format == "csv":
            size = _csv_cell_size(table, row, feature.props, problems)
            # No point means a bad x or y, which reading the CSV has reported.
            if size is not None and isinstance(feature.geom, Point):
                corner_rows.append(row)
                corners_in.append((feature.geom.x, feature.geom.y, size))
            continue
        if feature.geom is None:
            if not feature.geom_reported:
                problems.error(row, table.geometry_field, "missing geometry; the cell is required")
            continue
        cell = _cell_polygon(table, row, feature.geom, problems)
        if cell is not None:
            rows.append(row)
            cells.append(cell)
    if corners_in:
        x, y, size = np.array(corners_in).T
        rows += corner_rows
        cells += shapely.box(x, y, x + size, y + size).tolist()

    invalid = invalid_reasons(np.array(cells, dtype=object))
    for pos, reason in invalid.items():
        problems.error(rows[pos], table.geometry_field, f"invalid cell polygon: {reason}")
    projected = table.project(rows, cells, problems)
    pairs = enumerate(zip(rows, projected, strict=True))
    kept = [(row, cell) for pos, (row, cell) in pairs if cell is not None and pos not in invalid]
    corners: dict[int, tuple[int, int, int]] = {}
    if kept:
        ll, square = _squares([cell for _, cell in kept])
        for (row, _), (x_ll, y_ll, size, height), ok in zip(kept, ll.tolist(), square, strict=True):
            if not ok:
                problems.error(
                    row,
                    table.geometry_field,
                    f"the cell ({size} × {height} m at {x_ll}, {y_ll}) is not an axis-aligned "
                    "square in EPSG:3006",
                )
            elif row in declared and declared[row][1] != size:
                key, value = declared[row]
                problems.error(row, key, f"{value} disagrees with the cell polygon ({size} m)")
            else:
                corners[row] = (x_ll, y_ll, size)

    first: dict[tuple[int, int, int], int] = {}
    for row, corner in corners.items():
        if corner in first:
            where = problems.where(first[corner])
            problems.error(
                row,
                table.geometry_field,
                f"duplicate cell at {corner[0]}, {corner[1]} ({corner[2]} m; first at {where})",
            )
        else:
            first[corner] = row
    problems.raise_if_any()

    records = [CellRecord(x, y, counts[row], size) for row, (x, y, size) in corners.items()]
    return LoadResult(records, table.crs, problems.skipped, table.format, list(table.notes))
