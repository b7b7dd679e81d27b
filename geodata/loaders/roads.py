"""Road networks in: OpenStreetMap extracts and line layers, streamed into EPSG:3006 records.

Formats (coverage-model.md, "Roads (v3)" and "Data exchange"):
- OpenStreetMap `.osm.pbf` / `.osm`, through GDAL's OSM driver (layer `lines`; `highway`
  is its own column, `maxspeed` in the hstore text `other_tags` unless osmconf.ini makes it
  a column). highway motorway, trunk, primary, secondary, tertiary and their _link: that
  class; unclassified; residential and living_street: residential; service; track. Every
  other highway value is not a road (counted per value). maxspeed "N" or "N km/h": N;
  "N mph": N · 1.609344; anything else: the class speed.
- GeoPackage, Shapefile (zipped) and GeoJSON line layers with `road_class` and optional
  `speed_kmh` (and `name`, `source_id`), in any CRS we accept (the file's, or `crs`). A
  layer with OSM's `highway` instead of `road_class` is mapped as OSM.

Features are read in Arrow batches (pyogrio), so memory stays bounded whatever the size of
the extract; a MultiLineString becomes one record per part. A line is refused, and counted
per reason, when its class is unknown and it has no speed, its speed is not > 0 (or no
number), it is no line, or its geometry is empty or invalid. The whole file is refused
(ImportValidationError) when it cannot be read, holds no line layer, has no CRS, its
coordinates are not where a CRS would put Nordic roads (a wrong CRS), or it has no road.
"""

from __future__ import annotations

import math
import re
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely
from pyproj import CRS
from shapely import LineString

from geodata.loaders.fields import canonical_key
from geodata.loaders.geometry import sweref_extent, to_sweref, wrong_crs_hint
from geodata.loaders.results import refuse
from geodata.loaders.sources import MAX_BYTES, crs_argument
from geodata.records import RecordError
from resilience.analysis.model import ROAD_SPEEDS
from resilience.vocabulary import WGS84

BATCH = 20_000  # features per Arrow batch
MAX_REFUSED_LISTED = 200  # refused lines listed with their reasons (all are counted)
MPH = 1.609344
# Roads beyond Sweden's own extent are accepted (a neighbour's extract, the test data of
# Finland): this far around EPSG:3006's area of use, in metres.
EXTENT_MARGIN_M = 600_000.0

# OpenStreetMap highway values that are roads, and their class.
OSM_HIGHWAY: dict[str, str] = {
    **{value: value for value in ("motorway", "trunk", "primary", "secondary", "tertiary")},
    **{f"{value}_link": value for value in ("motorway", "trunk", "primary", "secondary")},
    "tertiary_link": "tertiary",
    "unclassified": "unclassified",
    "residential": "residential",
    "living_street": "residential",
    "service": "service",
    "track": "track",
}
assert set(OSM_HIGHWAY.values()) <= set(ROAD_SPEEDS)

CLASS_NAMES = ("road_class", "roadclass", "class", "klass")
HIGHWAY_NAMES = ("highway",)
SPEED_NAMES = ("speed_kmh", "speed", "maxspeed", "hastighet")
NAME_NAMES = ("name", "namn", "ref", "vagnummer")
ID_NAMES = ("source_id", "id", "osm_id", "objectid", "fid")

# Why a line was refused: the report's keys, with an English message.
REASONS: dict[str, str] = {
    "not_a_line": "not a line",
    "empty_geometry": "empty or missing geometry",
    "invalid_geometry": "invalid geometry",
    "missing_class": "no road class",
    "unknown_class_without_speed": "a road class without a default speed, and no speed_kmh",
    "speed_not_positive": "speed_kmh must be > 0",
    "speed_not_a_number": "speed_kmh is not a number",
    "outside_area": "coordinates outside the area the network may cover",
}

_MAXSPEED = re.compile(r"^(\d+(?:\.\d+)?)(?: ?(km/h|mph))?$")
_HSTORE_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
_SUFFIXES = {".pbf": "osm", ".osm": "osm", ".gpkg": "gpkg", ".zip": "shp", ".shp": "shp"}
_SUFFIXES.update({".geojson": "geojson", ".json": "geojson"})
FORMAT_NAMES = {
    "osm": "OpenStreetMap",
    "gpkg": "GeoPackage",
    "shp": "Shapefile",
    "geojson": "GeoJSON",
}


@dataclass(frozen=True)
class RoadRecord:
    geom: LineString  # EPSG:3006
    road_class: str
    speed_kmh: float | None  # None: the class speed
    source_id: str | None = None
    name: str | None = None


@dataclass
class RoadTally:
    """What an import read, kept and dropped; filled while the batches stream."""

    format: str  # osm | gpkg | shp | geojson
    crs: int
    layer: str
    lines: int = 0  # features read (OSM: ways with a highway tag)
    kept: Counter[str] = field(default_factory=Counter)  # lines stored per class
    kept_km: Counter[str] = field(default_factory=Counter)
    not_roads: Counter[str] = field(default_factory=Counter)  # OSM highway value → ways
    refused: Counter[str] = field(default_factory=Counter)  # reason → lines
    refused_lines: list[RecordError] = field(default_factory=list)
    seconds: float = 0.0
    _first_outside: tuple[float, float] | None = None

    def refuse(self, where: str, reason: str, field_name: str | None = None) -> None:
        self.refused[reason] += 1
        if len(self.refused_lines) < MAX_REFUSED_LISTED:
            self.refused_lines.append(RecordError(where, field_name, REASONS[reason], reason))

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "crs": f"EPSG:{self.crs}",
            "layer": self.layer,
            "lines": self.lines,
            "kept": dict(sorted(self.kept.items(), key=_class_order)),
            "kept_total": sum(self.kept.values()),
            "km": {k: round(v, 3) for k, v in sorted(self.kept_km.items(), key=_class_order)},
            "dropped": {
                "not_a_road": dict(self.not_roads.most_common()),
                "refused": dict(self.refused.most_common()),
            },
            "refused_lines": [
                {"where": e.where, "field": e.field, "reason": e.code, "message": e.message}
                for e in self.refused_lines
            ],
            "seconds": round(self.seconds, 3),
        }


def _class_order(item: tuple[str, Any]) -> tuple[int, str]:
    order = list(ROAD_SPEEDS)
    return (order.index(item[0]) if item[0] in order else len(order), item[0])


def maxspeed_kmh(value: str | None) -> float | None:
    """OSM's maxspeed: "N" or "N km/h" → N, "N mph" → N · 1.609344, anything else None."""
    if value is None:
        return None
    found = _MAXSPEED.match(value.strip())
    if found is None:
        return None
    number = float(found.group(1))
    return number * MPH if found.group(2) == "mph" else number


def hstore_value(tags: str | None, key: str) -> str | None:
    """A key's value in GDAL's other_tags text (hstore, or JSON with tags_format=json)."""
    if not tags:
        return None
    if tags.startswith("{"):
        import json

        try:
            value = json.loads(tags).get(key)
        except (ValueError, AttributeError):
            return None
        return None if value is None else str(value)
    for found in _HSTORE_PAIR.finditer(tags):
        if _unescape(found.group(1)) == key:
            return _unescape(found.group(2))
    return None


def _column_or_tag(columns: dict[str, list[Any]], key: str, tags: str | None, i: int) -> Any:
    """An OSM key's value: its own column when osmconf.ini makes one, else other_tags."""
    if key in columns:
        return columns[key][i]
    return hstore_value(tags, key)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _clean(value: Any) -> str | None:
    """Text for the database: stripped, no NUL, at most 1,000 characters; None when empty."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).replace("\x00", "").strip()[:1000]
    return out or None


def _epsg(crs_text: str | None, layer: str) -> int:
    if not crs_text:
        refuse(f"layer {layer}", "the layer has no CRS: pass --crs", "crs")
    crs = CRS.from_user_input(crs_text)
    epsg = crs.to_epsg()
    if epsg is None and crs.equals(CRS.from_epsg(WGS84), ignore_axis_order=True):
        epsg = WGS84
    if epsg is None:
        refuse(f"layer {layer}", "the layer's CRS has no EPSG code: pass --crs", "crs")
    return epsg


def _area() -> tuple[float, float, float, float]:
    w, s, e, n = sweref_extent()
    m = EXTENT_MARGIN_M
    return (w - m, s - m, e + m, n + m)


class RoadFile:
    """An opened road file: its format, layer and CRS are known and checked; batches()
    streams its records and fills `tally`."""

    def __init__(self, path: Path, fmt: str, dataset: str, layer: str, crs: int) -> None:
        self.path = path
        self.format = fmt
        self._dataset = dataset  # what GDAL opens (/vsizip/... for a zipped Shapefile)
        self.layer = layer
        self.crs = crs
        self.tally = RoadTally(fmt, crs, layer)
        info = pyogrio.read_info(dataset, layer=layer)
        self._fields = [str(f) for f in info["fields"]]
        keys = {canonical_key(f): f for f in self._fields}
        self._class_col = next((keys[n] for n in CLASS_NAMES if n in keys), None)
        self._highway_col = next((keys[n] for n in HIGHWAY_NAMES if n in keys), None)
        self._speed_col = next((keys[n] for n in SPEED_NAMES if n in keys), None)
        self._name_col = next((keys[n] for n in NAME_NAMES if n in keys), None)
        self._id_col = next((keys[n] for n in ID_NAMES if n in keys), None)
        if fmt != "osm" and self._class_col is None and self._highway_col is None:
            refuse(
                f"layer {layer}",
                f"no road_class column (the layer has {', '.join(self._fields) or 'none'})",
                "road_class",
            )

    def batches(self, size: int = BATCH) -> Iterator[list[RoadRecord]]:
        """Records in batches of at most about `size` lines (parts); at the end, the file is
        refused when it held no road, with why (no line, wrong CRS, nothing but refusals)."""
        started = time.monotonic()
        kwargs: dict[str, Any] = {"batch_size": size, "use_pyarrow": True}
        if self.format == "osm":
            # Only ways with a highway tag. GDAL's default osmconf.ini makes highway a column
            # and leaves maxspeed and ref in other_tags; another one may differ.
            wanted = ("osm_id", "name", "highway", "maxspeed", "ref", "other_tags")
            kwargs["columns"] = [f for f in wanted if f in self._fields]
            if "highway" in self._fields:
                kwargs["where"] = "highway IS NOT NULL"
            elif "other_tags" in self._fields:
                kwargs["where"] = "other_tags LIKE '%\"highway\"=>%'"
            else:
                refuse("layer lines", "the OSM ways carry no highway tag (osmconf.ini)")
        number = 0
        try:
            with pyogrio.raw.open_arrow(self._dataset, layer=self.layer, **kwargs) as stream:
                meta, reader = stream
                geometry_column = meta.get("geometry_name") or "wkb_geometry"
                for batch in reader:
                    records = self._batch(batch.to_pydict(), geometry_column, number)
                    number += batch.num_rows
                    if records:
                        yield records
        except pyogrio.errors.DataSourceError as exc:
            refuse("file", f"cannot read the {FORMAT_NAMES[self.format]} file: {exc}")
        except RuntimeError as exc:  # GDAL's errors while reading
            refuse(f"feature {number + 1}", f"cannot read the file: {exc}")
        finally:
            self.tally.seconds = time.monotonic() - started
        self._check_any_road()

    def _check_any_road(self) -> None:
        tally = self.tally
        if sum(tally.kept.values()):
            return
        if tally.lines == 0:
            refuse("file", "the file has no lines")
        if tally.refused["outside_area"] and tally._first_outside is not None:
            x, y = tally._first_outside
            refuse(
                "file",
                f"the lines do not lie where EPSG:{self.crs} puts them in or near Sweden "
                f"(first vertex {x:g}, {y:g}) — {wrong_crs_hint(x, y, self.crs)}",
                "crs",
            )
        if tally.refused["not_a_line"] == tally.lines:
            refuse("file", "the file has no lines, only other geometries")
        why = ", ".join(f"{n} {REASONS[r]}" for r, n in tally.refused.most_common())
        not_roads = sum(tally.not_roads.values())
        refuse(
            "file",
            f"no road in the file: of {tally.lines} lines, "
            + (
                f"{not_roads} are not roads (highway {', '.join(tally.not_roads)})"
                if not_roads
                else ""
            )
            + (", " if not_roads and why else "")
            + (f"refused: {why}" if why else ""),
        )

    # --- one batch -----------------------------------------------------------------------

    def _batch(
        self, columns: dict[str, list[Any]], geometry_column: str, start: int
    ) -> list[RoadRecord]:
        tally = self.tally
        wkb = columns.pop(geometry_column)
        n = len(wkb)
        tally.lines += n
        geoms = shapely.from_wkb(np.array(wkb, dtype=object), on_invalid="ignore")
        geoms = shapely.force_2d(geoms)
        # The checks of every geometry at once: no line, empty, invalid or not finite.
        kinds = shapely.get_type_id(geoms)
        empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        coords_all, coords_owner = shapely.get_coordinates(geoms, return_index=True)
        not_finite = np.bincount(
            coords_owner[~np.isfinite(coords_all).all(axis=1)], minlength=n
        ).astype(bool)
        lines = np.isin(kinds, (1, 5))  # LineString, MultiLineString
        with np.errstate(invalid="ignore"):
            valid = np.zeros(n, dtype=bool)
            valid[lines & ~empty & ~not_finite] = shapely.is_valid(
                geoms[lines & ~empty & ~not_finite]
            )
        osm = self.format == "osm"
        ids = columns.get("osm_id" if osm else self._id_col or "", [None] * n)
        names = columns.get("name" if osm else self._name_col or "", [None] * n)
        keep_rows: list[int] = []
        meta: list[tuple[str, float | None, str | None, str | None]] = []
        wheres: list[str] = []
        for i in range(n):
            ident = _clean(ids[i])
            where = (
                (f"way {ident}" if ident else f"line {start + i + 1}")
                if osm
                else (f"feature {start + i + 1}")
            )
            wheres.append(where)
            attributes = self._attributes(columns, i, where)
            if attributes is None:
                continue
            road_class, speed, extra_name = attributes
            if empty[i]:
                tally.refuse(where, "empty_geometry", "geometry")
                continue
            if not lines[i]:
                tally.refuse(where, "not_a_line", "geometry")
                continue
            if not valid[i]:
                tally.refuse(where, "invalid_geometry", "geometry")
                continue
            source_id = (f"way/{ident}" if osm else ident) if ident else None
            keep_rows.append(i)
            meta.append((road_class, speed, source_id, _clean(names[i]) or extra_name))
        if not keep_rows:
            return []
        projected = to_sweref(geoms[keep_rows], self.crs)
        coords, owner = shapely.get_coordinates(projected, return_index=True)
        w, s, e, nn = _area()
        bad_vertex = ~(
            np.isfinite(coords).all(axis=1)
            & (coords[:, 0] >= w)
            & (coords[:, 0] <= e)
            & (coords[:, 1] >= s)
            & (coords[:, 1] <= nn)
        )
        outside = np.zeros(len(keep_rows), dtype=bool)
        outside[owner[bad_vertex]] = True
        records: list[RoadRecord] = []
        inside = np.flatnonzero(~outside)
        parts, part_index = shapely.get_parts(projected[inside], return_index=True)
        part_owner = inside[part_index]
        lengths = shapely.length(parts)
        for k in np.flatnonzero(outside).tolist():
            row = keep_rows[k]
            if tally._first_outside is None:
                source_xy = shapely.get_coordinates(geoms[row])[0]
                tally._first_outside = (float(source_xy[0]), float(source_xy[1]))
            tally.refuse(wheres[row], "outside_area", "geometry")
        for part, k, length in zip(
            parts.tolist(), part_owner.tolist(), lengths.tolist(), strict=True
        ):
            if part.is_empty or not length > 0:
                continue
            road_class, speed, source_id, name = meta[k]
            records.append(RoadRecord(part, road_class, speed, source_id, name))
            tally.kept[road_class] += 1
            tally.kept_km[road_class] += length / 1000.0
        return records

    def _attributes(
        self, columns: dict[str, list[Any]], i: int, where: str
    ) -> tuple[str, float | None, str | None] | None:
        """(class, speed, name from ref) of row i; None when it is no road or refused."""
        tally = self.tally
        if self.format == "osm" or self._class_col is None:
            tags = columns.get("other_tags", [None] * (i + 1))[i]
            if self.format == "osm":
                highway = _clean(_column_or_tag(columns, "highway", tags, i))
            else:
                highway = _clean(columns[self._highway_col or "highway"][i])
            if highway is None:
                # Only possible outside OSM files: a line without highway is no road.
                tally.not_roads["(none)"] += 1
                return None
            road_class = OSM_HIGHWAY.get(highway)
            if road_class is None:
                tally.not_roads[highway] += 1
                return None
            raw = _column_or_tag(columns, "maxspeed", tags, i) if self.format == "osm" else None
            if raw is None and self._speed_col is not None:
                raw = _clean(columns[self._speed_col][i])
            osm_speed = maxspeed_kmh(raw)
            if osm_speed is not None and not osm_speed > 0:
                tally.refuse(where, "speed_not_positive", "maxspeed")
                return None
            ref = _column_or_tag(columns, "ref", tags, i) if self.format == "osm" else None
            return road_class, osm_speed, _clean(ref)
        road_class = _clean(columns[self._class_col][i])
        if road_class is None:
            tally.refuse(where, "missing_class", self._class_col)
            return None
        road_class = road_class.lower()
        speed_value = columns[self._speed_col][i] if self._speed_col is not None else None
        speed: float | None
        if speed_value is None or (isinstance(speed_value, str) and not speed_value.strip()):
            speed = None
        else:
            try:
                speed = float(str(speed_value).strip().replace(",", "."))
            except ValueError:
                tally.refuse(where, "speed_not_a_number", self._speed_col)
                return None
            if math.isnan(speed):
                speed = None
            elif not (math.isfinite(speed) and speed > 0):
                tally.refuse(where, "speed_not_positive", self._speed_col)
                return None
        if speed is None and road_class not in ROAD_SPEEDS:
            tally.refuse(where, "unknown_class_without_speed", self._class_col)
            return None
        return road_class, speed, None


def open_roads(
    path: Path | str,
    crs: str | int | None = None,
    *,
    layer: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> RoadFile:
    """Open a road file (format by its name: .osm.pbf, .pbf, .osm, .gpkg, .zip with a
    Shapefile, .shp, .geojson, .json) and check it as a whole; ImportValidationError when
    it cannot be read, is too large or empty, has no line layer, no CRS or no road_class."""
    path = Path(path)
    explicit = crs_argument(crs)
    if not path.is_file():
        refuse("file", f"cannot read {path.name}: no such file")
    size = path.stat().st_size
    if size > max_bytes:
        refuse(
            "file",
            f"the file is {size / 1e6:.1f} MB, more than the limit of {max_bytes / 1e6:.1f} MB",
        )
    if size == 0:
        refuse("file", "the file is empty")
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        refuse(
            "file",
            "road networks are read from OpenStreetMap (.osm.pbf, .osm), GeoPackage (.gpkg), "
            f"Shapefile (.zip) or GeoJSON (.geojson), not {path.suffix or 'no extension'}",
        )
    dataset = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        with warnings.catch_warnings():  # GDAL's warnings about a broken file: refused below
            warnings.simplefilter("ignore", RuntimeWarning)
            listed = pyogrio.list_layers(dataset)
    except Exception as exc:  # pyogrio raises DataSourceError, GDAL sometimes others
        refuse("file", f"cannot read the file as {FORMAT_NAMES[fmt]}: {exc}")
    if fmt == "osm":
        names = [str(name) for name, _kind in listed]
        if "lines" not in names:
            refuse("file", "not an OpenStreetMap file with ways (no 'lines' layer)")
        return RoadFile(path, fmt, dataset, "lines", WGS84)
    kinds = {str(name): str(kind) for name, kind in listed if kind is not None}
    lines = [
        name for name, kind in kinds.items() if "Line" in kind or kind in ("Unknown", "Geometry")
    ]
    if layer is None:
        if not kinds:
            refuse("file", "the file has no layer with geometry")
        if len(lines) != 1:
            if not lines:
                got = ", ".join(f"{k} ({v})" for k, v in kinds.items())
                refuse("file", f"the file has no line layer: {got}")
            refuse(
                "file",
                f"the file has {len(lines)} line layers ({', '.join(lines)}): pass --layer NAME",
            )
        layer = lines[0]
    elif layer not in kinds:
        refuse("file", f"no layer {layer!r} in the file; it has {', '.join(kinds) or 'none'}")
    elif layer not in lines:
        refuse(f"layer {layer}", f"the layer holds {kinds[layer]}s, not lines", "geometry")
    try:
        info = pyogrio.read_info(dataset, layer=layer)
    except Exception as exc:
        refuse(f"layer {layer}", f"cannot read the layer: {exc}")
    src = explicit if explicit is not None else _epsg(info.get("crs"), layer)
    return RoadFile(path, fmt, dataset, layer, src)
