"""Reference layers of the map's own base layer: localities (SCB tätorter as points) and power
lines (OpenStreetMap's power=line). GeoJSON or GeoPackage; every geometry ends in EPSG:3006.

SCB's tätorter carry `tatortskod`, `namn`, `kommun_kod` and `befolkning`; other registers of
places may spell them `code`/`id`, `name`, `municipality` and `population`. Power lines carry
an id (`l_id`, `osm_id`, `id`) and, where known, `voltage` in volts ("400000", "130000;20000":
the highest is kept, in kV).
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely import LineString, MultiLineString, MultiPoint, Point

from geodata.loaders.fields import find, is_blank, text
from geodata.loaders.results import LoadResult, refuse
from geodata.loaders.sources import MAX_BYTES, Source, read_table

LOCALITY_ID_NAMES = ("tatortskod", "source_id", "code", "id", "geonameid")
LOCALITY_NAME_NAMES = ("namn", "name", "tatort", "tätort")
LOCALITY_MUNICIPALITY_NAMES = ("kommun_kod", "kommunkod", "municipality", "municipality_code")
LOCALITY_POPULATION_NAMES = ("befolkning", "population", "folkmangd", "folkmängd", "bef")
LINE_ID_NAMES = ("l_id", "osm_id", "source_id", "id")
LINE_VOLTAGE_NAMES = ("voltage", "spanning", "spänning")


@dataclass(frozen=True)
class LocalityRecord:
    source_id: str
    name: str
    x: float  # EPSG:3006
    y: float
    population: int | None = None
    municipality_code: str | None = None


@dataclass(frozen=True)
class PowerLineRecord:
    source_id: str
    geom: MultiLineString  # EPSG:3006
    voltage_kv: float | None = None


def _population(value: object) -> int | None:
    if is_blank(value):
        return None
    try:
        number = int(float(str(value).replace(" ", "").replace(",", ".")))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a number") from exc
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    return number


def voltage_kv(value: object) -> float | None:
    """OSM's voltage tag in kV: volts, several separated by ";" (the highest is kept)."""
    if is_blank(value):
        return None
    volts = []
    for part in str(value).split(";"):
        try:
            volts.append(float(part.strip()))
        except ValueError:
            continue  # "medium" and other words: unknown
    return max(volts) / 1000.0 if volts else None


def read_localities(
    path: Source, crs: str | int | None = None, *, max_bytes: int = MAX_BYTES
) -> LoadResult[LocalityRecord]:
    """Named places as points (a polygon's point on its surface); a row without a name or an
    id is refused, a negative or unreadable population too."""
    table = read_table(path, crs=crs, max_bytes=max_bytes)
    problems = table.problems()
    rows: list[int] = []
    points: list[Point] = []
    found: dict[int, tuple[str, str, int | None, str | None]] = {}
    for row, feature in enumerate(table.features):
        ident = find(feature.props, LOCALITY_ID_NAMES)
        name = find(feature.props, LOCALITY_NAME_NAMES)
        code = find(feature.props, LOCALITY_MUNICIPALITY_NAMES)
        pop = find(feature.props, LOCALITY_POPULATION_NAMES)
        ident_text = text(ident[1]) if ident else None
        name_text = text(name[1]) if name else None
        if ident_text is None:
            problems.error(row, ident[0] if ident else "id", "missing id")
        if name_text is None:
            problems.error(row, name[0] if name else "name", "missing name")
        try:
            population = _population(pop[1]) if pop else None
        except ValueError as exc:
            problems.error(row, pop[0] if pop else "population", str(exc))
            population = None
        geom = feature.geom
        if geom is None or geom.is_empty:
            if not feature.geom_reported:
                problems.error(row, "geometry", "missing geometry")
            continue
        if isinstance(geom, MultiPoint):
            geom = geom.geoms[0]
        elif not isinstance(geom, Point):
            geom = shapely.point_on_surface(geom)
        if ident_text is not None and name_text is not None:
            found[row] = (ident_text, name_text, population, text(code[1]) if code else None)
        rows.append(row)
        points.append(geom)
    projected = dict(zip(rows, table.project(rows, points, problems), strict=True))
    seen: dict[str, int] = {}
    for row, (ident_text, *_rest) in found.items():
        if ident_text in seen:
            where = problems.where(seen[ident_text])
            problems.error(row, "id", f"duplicate id {ident_text!r} (first at {where})")
        seen.setdefault(ident_text, row)
    problems.raise_if_any()
    records = []
    for row, (ident_text, name_text, population, code_text) in found.items():
        point = projected.get(row)
        if point is None:
            continue
        assert isinstance(point, Point)  # reprojection keeps the type
        records.append(
            LocalityRecord(ident_text, name_text, point.x, point.y, population, code_text)
        )
    return LoadResult(records, table.crs, problems.skipped, table.format, list(table.notes))


def read_power_lines(
    path: Source, crs: str | int | None = None, *, max_bytes: int = MAX_BYTES
) -> LoadResult[PowerLineRecord]:
    """Lines of the grid; a row without an id takes its feature number."""
    table = read_table(path, crs=crs, max_bytes=max_bytes)
    if table.format == "csv":
        refuse("file", "power lines need line geometry: use GeoJSON or GeoPackage, not CSV")
    problems = table.problems()
    rows: list[int] = []
    lines: list[MultiLineString] = []
    meta: dict[int, tuple[str, float | None]] = {}
    for row, feature in enumerate(table.features):
        geom = feature.geom
        if geom is None or geom.is_empty:
            if not feature.geom_reported:
                problems.error(row, "geometry", "missing geometry")
            continue
        if isinstance(geom, LineString):
            geom = MultiLineString([geom])
        if not isinstance(geom, MultiLineString):
            problems.error(row, "geometry", f"expected a LineString, got a {geom.geom_type}")
            continue
        ident = find(feature.props, LINE_ID_NAMES)
        ident_text = (text(ident[1]) if ident else None) or str(feature.fid or row + 1)
        voltage = find(feature.props, LINE_VOLTAGE_NAMES)
        meta[row] = (ident_text, voltage_kv(voltage[1]) if voltage else None)
        rows.append(row)
        lines.append(geom)
    projected = table.project(rows, lines, problems)
    problems.raise_if_any()
    records = []
    for row, geom in zip(rows, projected, strict=True):
        if geom is None:
            continue
        assert isinstance(geom, MultiLineString)  # reprojection keeps the type
        ident_text, kv = meta[row]
        records.append(PowerLineRecord(ident_text, geom, kv))
    return LoadResult(records, table.crs, problems.skipped, table.format, list(table.notes))
