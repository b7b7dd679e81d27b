"""Kommun boundaries from GeoJSON or GeoPackage polygons (SCB's "digitala gränser" and alike).

Geometry that is invalid in the file is refused with shapely's reason. Geometry that is
valid in the file but not after reprojection (a ring grazing itself once the coordinates
move) is repaired with make_valid, and a note says so: that is an artefact of our transform,
not of the data.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import shapely
from shapely import MultiPolygon, Polygon

from geodata.loaders.fields import FieldError, find, is_blank, label, text
from geodata.loaders.geometry import invalid_reasons, polygonal
from geodata.loaders.results import LoadResult, refuse
from geodata.loaders.sources import MAX_BYTES, Source, read_table
from geodata.records import BoundaryRecord

CODE_NAMES = ("code", "kommun_kod", "kommunkod", "knkod", "kn_kod", "kod")
NAME_NAMES = ("name", "kommun_namn", "kommunnamn", "knnamn", "kn_namn", "kommun", "namn")
COUNTY_NAMES = ("lan_kod", "lankod", "län_kod", "länkod", "lnkod", "ln_kod")
_CODE = re.compile(r"\d{4}")
# A repair that changes the area by more than this is not a reprojection artefact.
MAX_REPAIR_CHANGE = 0.001


def _code(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10_000:
        return f"{value:04d}"  # 114 was a number somewhere on the way: Upplands Väsby is 0114
    code = text(value)
    if code is None:
        return None
    if not _CODE.fullmatch(code):
        raise FieldError(f"{code!r} is not a 4-digit kommun code")
    return code


def read_boundaries(
    path: Source,
    crs: str | int | None = None,
    *,
    layer: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> LoadResult[BoundaryRecord]:
    """Read kommun polygons; every geometry becomes a MultiPolygon in EPSG:3006.

    A feature without a kommun code but with a county code (the län polygon that SCB files
    carry along) is skipped with a reason."""
    table = read_table(path, crs=crs, layer=layer, max_bytes=max_bytes)
    if table.format == "csv":
        refuse("file", "boundaries need polygon geometry: use GeoJSON or GeoPackage, not CSV")
    problems = table.problems()
    notes = list(table.notes)
    no_code_field = not any(find(f.props, CODE_NAMES) for f in table.features)
    if table.features and no_code_field:
        expected = ", ".join(CODE_NAMES)
        problems.error(None, "code", f"no kommun code field; expected one of {expected}")

    found: dict[int, tuple[str, str, str]] = {}  # row → (code, name, code field as spelt)
    rows: list[int] = []
    geoms: list[MultiPolygon] = []
    for row, feature in enumerate(table.features):
        code_field = find(feature.props, CODE_NAMES)
        county = find(feature.props, COUNTY_NAMES)
        if (code_field is None or is_blank(code_field[1])) and county and not is_blank(county[1]):
            key = code_field[0] if code_field else "code"
            problems.skip(row, key, f"a county ({county[0]} {county[1]}), not a kommun; skipped")
            continue
        code = name = None
        code_key = code_field[0] if code_field else "code"
        try:
            code = _code(code_field[1]) if code_field else None
        except FieldError as exc:
            problems.error(row, code_key, str(exc))
        else:
            if code is None and not no_code_field:
                problems.error(row, code_key, "missing kommun code")
        name_field = find(feature.props, NAME_NAMES)
        try:
            name = label(name_field[1]) if name_field else None
        except FieldError as exc:
            problems.error(row, name_field[0] if name_field else "name", str(exc))
        else:
            if name is None:
                problems.error(row, name_field[0] if name_field else "name", "missing name")
        if code is not None and name is not None:
            found[row] = (code, name, code_key)

        geom = feature.geom
        if geom is None:
            if not feature.geom_reported:
                problems.error(row, "geometry", "missing geometry; a (Multi)Polygon is required")
            continue
        if not isinstance(geom, Polygon | MultiPolygon):
            problems.error(
                row, "geometry", f"expected a Polygon or MultiPolygon, got a {geom.geom_type}"
            )
            continue
        if geom.is_empty:
            problems.error(row, "geometry", "empty geometry")
            continue
        rows.append(row)
        geoms.append(geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom]))

    # Invalid in the file is the data's fault: refuse with the reason rather than guess.
    source_invalid = invalid_reasons(np.array(geoms, dtype=object))
    for pos, reason in source_invalid.items():
        problems.error(rows[pos], "geometry", f"invalid polygon: {reason}")
    projected = table.project(rows, geoms, problems)
    after = invalid_reasons(np.array(projected, dtype=object))
    result: dict[int, MultiPolygon] = {}
    for pos, (row, geom) in enumerate(zip(rows, projected, strict=True)):
        if geom is None or pos in source_invalid:
            continue
        assert isinstance(geom, MultiPolygon)  # reprojection keeps the type
        if pos in after:
            fixed = polygonal(shapely.make_valid(geom))
            change = abs(fixed.area - geom.area) / geom.area if geom.area else 1.0
            if change > MAX_REPAIR_CHANGE:
                problems.error(row, "geometry", f"invalid after reprojection: {after[pos]}")
                continue
            where = problems.where(row)
            notes.append(f"{where}: repaired with make_valid after reprojection ({after[pos]})")
            geom = fixed
        result[row] = geom

    first: dict[str, int] = {}
    for row, (code, _, key) in found.items():
        if code in first:
            where = problems.where(first[code])
            problems.error(row, key, f"duplicate kommun code {code!r} (first at {where})")
        else:
            first[code] = row
    problems.raise_if_any()

    records = [BoundaryRecord(code, name, result[row]) for row, (code, name, _) in found.items()]
    return LoadResult(records, table.crs, problems.skipped, table.format, notes)
