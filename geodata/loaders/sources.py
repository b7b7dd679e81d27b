"""Reading GeoJSON, GeoPackage and CSV into plain features, still in the file's own CRS.

Only the file format is handled here (size, encoding, syntax, CRS, coordinate columns);
what the fields mean is up to the loaders. Features are numbered from 1 ("feature 1"),
CSV rows by their physical line in the file, the header being line 1.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from pyproj import CRS
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geodata.loaders.fields import FieldError, canonical_key, number
from geodata.loaders.geometry import check_in_sweden, looks_like_sweref, to_sweref
from geodata.loaders.results import Problems, refuse
from geodata.messages import Message, msg
from resilience import jsonio
from resilience.crs import parse_epsg
from resilience.vocabulary import SWEREF99TM, WGS84

MAX_BYTES = 200_000_000  # 200 MB; larger inputs belong in ogr2ogr and PostGIS, not an upload
Source = Path | str | bytes

X_NAMES = ("x", "easting")
Y_NAMES = ("y", "northing")
LON_NAMES = ("lon", "lng", "long", "longitude")
LAT_NAMES = ("lat", "latitude")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# One feature's geometry has at most this many positions; counted before it is built, so a
# MultiPoint of a million points is refused at once (a site is one point).
MAX_POSITIONS = 200_000
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_FORMAT_NAMES = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "csv": "CSV"}


@dataclass
class Feature:
    where: str  # "feature 3", "line 7", "layer sites feature 3"
    props: dict[str, Any]
    geom: BaseGeometry | None  # in Table.crs; None when absent or unreadable
    fid: Any = None  # a GeoJSON feature's own "id" (osmtogeojson puts "node/123" there)
    geom_reported: bool = False  # the reader already reported why `geom` is None


@dataclass
class Table:
    format: str  # "geojson" | "gpkg" | "csv"
    crs: int  # EPSG code of the coordinates in `features`
    features: list[Feature]
    # (row, field, message) found while reading, e.g. a CSV coordinate that is not a number.
    errors: list[tuple[int, str, str | Message]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    geometry_field: str = "geometry"  # how errors name the geometry: "geometry", "x/y", "lon/lat"
    decimal_comma: bool = False  # a ;-separated CSV (Swedish Excel) may write 12,5

    def problems(self) -> Problems:
        """A collector for the loader, holding what reading found already."""
        problems = Problems([f.where for f in self.features])
        for row, name, message in self.errors:
            problems.error(row, name, message)
        return problems

    def project(
        self, rows: list[int], geoms: Sequence[BaseGeometry], problems: Problems
    ) -> list[BaseGeometry | None]:
        """Transform the geometries of `rows` to EPSG:3006 in one call and check that they lie
        in Sweden; a geometry that does not is reported and returned as None."""
        if not geoms:
            return []
        src = np.array(geoms, dtype=object)
        dst = to_sweref(src, self.crs).tolist()
        for pos, message in check_in_sweden(src, np.array(dst, dtype=object), self.crs):
            problems.error(rows[pos], self.geometry_field, message)
            dst[pos] = None
        return dst


def crs_argument(crs: str | int | None) -> int | None:
    """The caller's --crs, checked; None when not given."""
    if crs is None or crs == "":
        return None
    try:
        return parse_epsg(crs)
    except ValueError as exc:
        refuse("crs argument", str(exc))


def content_digest(data: bytes) -> str:
    """The SHA-256 (hex) of a file's content, the same for the same register saved again: a
    text file without a UTF-8 byte order mark, with \\n line ends and no trailing blank
    lines or spaces; a binary file (a NUL in its first 8 kB: GeoPackage) as it is."""
    if b"\x00" not in data[:8192]:
        data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").rstrip()
    return hashlib.sha256(data).hexdigest()


def read_table(
    source: Source,
    *,
    crs: str | int | None = None,
    layer: str | None = None,
    max_bytes: int,
    filename: str | None = None,
) -> Table:
    """Read a GeoJSON, GeoPackage or CSV file (a path, or its bytes) into features.

    An explicit `crs` overrides whatever the file says; `filename` names bytes (its
    extension must agree with the content). Raises ImportValidationError for a problem of
    the file as a whole."""
    explicit = crs_argument(crs)
    kind = _check(source, max_bytes, filename)
    if kind == "gpkg":
        return _read_gpkg(source, explicit, layer)  # GDAL reads the file itself
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if kind == "geojson":
        return _read_geojson(data, explicit)
    return _read_csv(data, explicit)


def _check(source: Source, max_bytes: int, filename: str | None = None) -> str:
    """The format, once the size is known to be acceptable."""
    if isinstance(source, bytes):
        size, suffix, head = len(source), Path(filename or "").suffix.lower(), source[:64]
    else:
        path = Path(source)
        if not path.is_file():
            refuse("file", f"cannot read {path}: no such file")
        size, suffix = path.stat().st_size, path.suffix.lower()
        with path.open("rb") as stream:
            head = stream.read(64)
    # Checked before parsing: a 2 GB upload must not fill memory first.
    if size > max_bytes:
        refuse("file", f"the file is {_size(size)}, more than the limit of {_size(max_bytes)}")
    if size == 0:
        refuse("file", "the file is empty")
    return _detect(head, suffix)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n} bytes"


def _detect(head: bytes, suffix: str) -> str:
    """The format by content and extension together: they must agree."""
    # UTF-16 without a BOM: ASCII text with a NUL byte after (or before) every character.
    utf16 = head.count(b"\x00") > len(head) // 3 and not head.startswith(_SQLITE_MAGIC)
    if head.startswith(_UTF16_BOMS) or utf16:
        refuse("file", "UTF-16 is not supported, save as UTF-8")
    if head.startswith(_ZIP_MAGIC):
        # An Excel workbook (.xlsx), an .ods, or a zipped file: nothing we read.
        refuse(
            "file",
            f"the file{f' is named {suffix} but' if suffix else ''} is a ZIP archive (an Excel "
            ".xlsx workbook, or a zipped file), which cannot be imported; save it as CSV "
            "(UTF-8), or unzip it first",
        )
    if head.startswith(_SQLITE_MAGIC):
        content = "gpkg"
    elif head.removeprefix(_BOM).lstrip()[:1] in (b"{", b"["):
        content = "geojson"
    else:
        content = "csv"
    named = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}.get(suffix)
    if suffix in (".csv", ".txt", ".tsv"):
        named = "csv"
    if named is not None and named != content:
        refuse(
            "file",
            f"the file is named {suffix} ({_FORMAT_NAMES[named]}) but its content is not "
            f"{_FORMAT_NAMES[named]}"
            + ("" if content == "csv" else f"; it looks like {_FORMAT_NAMES[content]}"),
        )
    return content


# --- GeoJSON -------------------------------------------------------------------------------


def _legacy_crs(member: Any) -> int:
    """The pre-RFC 7946 "crs" member: {"type": "name", "properties": {"name": "urn:...:3006"}}."""
    if isinstance(member, str | int):
        value: Any = member
    elif isinstance(member, dict) and isinstance(member.get("properties"), dict):
        props = member["properties"]
        value = props.get("name", props.get("code"))
    else:
        value = None
    if value is None:
        refuse("crs member", f"unsupported GeoJSON crs member {json.dumps(member)[:200]}")
    try:
        return parse_epsg(value)
    except ValueError as exc:
        refuse("crs member", str(exc))


def _read_geojson(data: bytes, explicit: int | None) -> Table:
    try:
        # RFC 8259 requires UTF-8; a BOM is tolerated because Windows tools write one.
        text = data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        refuse("file", f"GeoJSON must be UTF-8; byte {exc.start} is not")
    try:
        doc = jsonio.loads(text)
    except jsonio.JSONError as exc:
        refuse("file" if exc.where == "document" else exc.where, str(exc))
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection":
        raw = doc.get("features")
        if not isinstance(raw, list):
            refuse("file", "a FeatureCollection needs a 'features' list")
    elif kind == "Feature":
        raw = [doc]
    else:
        got = f"type {kind!r}" if kind else type(doc).__name__
        refuse("file", f"expected a GeoJSON FeatureCollection or Feature, got {got}")

    if explicit is not None:
        src = explicit
    elif "crs" in doc and doc["crs"] is not None:
        src = _legacy_crs(doc["crs"])
    else:
        src = WGS84  # RFC 7946

    table = Table("geojson", src, [])
    point_rows: list[int] = []
    point_xy: list[tuple[float, float]] = []
    for n, item in enumerate(raw, start=1):
        row = n - 1
        feature = Feature(f"feature {n}", {}, None)
        table.features.append(feature)
        if not isinstance(item, dict) or item.get("type") != "Feature":
            table.errors.append((row, "type", "not a GeoJSON Feature"))
            feature.geom_reported = True
            continue
        props = item.get("properties")
        if isinstance(props, dict):
            feature.props = props
        elif props is not None:
            table.errors.append((row, "properties", "'properties' must be an object or null"))
        feature.fid = item.get("id")
        geometry = item.get("geometry")
        if geometry is None:
            continue
        if (xy := _simple_point(geometry)) is not None:
            point_rows.append(row)
            point_xy.append(xy)
            continue
        if (problem := _coordinates_problem(geometry)) is not None:
            table.errors.append((row, "geometry", problem))
            feature.geom_reported = True
            continue
        try:
            feature.geom = shape(geometry)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            detail = f"{exc.__class__.__name__}: {exc}"
            table.errors.append((row, "geometry", f"malformed GeoJSON geometry ({detail})"))
            feature.geom_reported = True
        except shapely.errors.ShapelyError as exc:
            table.errors.append((row, "geometry", f"malformed GeoJSON geometry ({exc})"))
            feature.geom_reported = True
    if point_rows:
        # Sites files are mostly points: build them in one call; shape() costs ~30 µs each.
        points = np.asarray(shapely.points(np.array(point_xy, dtype=float))).tolist()
        for row, geom in zip(point_rows, points, strict=True):
            table.features[row].geom = geom
    _force_2d(table)
    return table


def _simple_point(geometry: Any) -> tuple[float, float] | None:
    """(x, y) of a well-formed GeoJSON Point, else None (left to shapely's shape())."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) not in (2, 3):
        return None
    if not all(type(v) in (int, float) for v in coords):  # bool is not a coordinate
        return None
    return coords[0], coords[1]


def _coordinates_problem(geometry: Any) -> str | None:
    """Why a GeoJSON geometry's coordinates are unusable (more than MAX_POSITIONS
    positions, or a coordinate that is not a number, e.g. "20.26"), else None. The count
    comes first, from the list lengths alone."""
    if not isinstance(geometry, dict):
        return None  # left to shape(), which names what is wrong
    parts = geometry.get("geometries")
    if geometry.get("type") == "GeometryCollection" and isinstance(parts, list):
        return next(filter(None, map(_coordinates_problem, parts)), None)
    coords = geometry.get("coordinates")
    level = [coords]
    while level and isinstance(level[0], list) and level[0] and isinstance(level[0][0], list):
        level = [inner for outer in level if isinstance(outer, list) for inner in outer]
        if len(level) > MAX_POSITIONS:
            break
    if len(level) > MAX_POSITIONS:
        return f"more than {MAX_POSITIONS:,} positions in one geometry"
    for position in level:
        if isinstance(position, list) and any(type(v) not in (int, float) for v in position):
            bad = next(v for v in position if type(v) not in (int, float))
            return f"coordinates must be numbers, not {bad!r}"[:200]
    return None


def _force_2d(table: Table) -> None:
    """Drop Z (and M): heights are not used, and 3D rings confuse the square-cell test."""
    geoms = np.array([f.geom for f in table.features], dtype=object)
    if len(geoms):
        for feature, geom in zip(table.features, shapely.force_2d(geoms).tolist(), strict=True):
            feature.geom = geom


# --- GeoPackage ----------------------------------------------------------------------------


def _read_gpkg(source: Source, explicit: int | None, layer: str | None) -> Table:
    if isinstance(source, bytes):
        # GDAL warns about in-memory GeoPackages without a .gpkg name; a temp file has one.
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "upload.gpkg"
            path.write_bytes(source)
            return _read_gpkg_path(path, explicit, layer)
    return _read_gpkg_path(Path(source), explicit, layer)


def gpkg_layer(path: Path, layer: str | None, *, spatial: bool) -> str:
    """The GeoPackage's layer to read: the one asked for, or its only one (only layers with
    geometry count when `spatial`); refused otherwise."""
    try:
        listed = pyogrio.list_layers(path)
    except RuntimeError as exc:  # pyogrio's errors derive from RuntimeError
        refuse("file", f"cannot read the GeoPackage: {exc}")
    layers = [str(name) for name, kind in listed if kind is not None or not spatial]
    if layer is None:
        if len(layers) != 1:
            names = ", ".join(layers) or "none"
            refuse("file", f"the GeoPackage has {len(layers)} layers ({names}): pass --layer NAME")
        return layers[0]
    if layer not in layers:
        refuse("file", f"no layer {layer!r} in the GeoPackage; it has {', '.join(layers)}")
    return layer


def _read_gpkg_path(path: Path, explicit: int | None, layer: str | None) -> Table:
    layer = gpkg_layer(path, layer, spatial=True)
    try:
        meta, arrow = pyogrio.raw.read_arrow(path, layer=layer, return_fids=True)
    except RuntimeError as exc:
        refuse(f"layer {layer}", f"cannot read the layer: {exc}")
    if meta.get("geometry_type") is None:
        refuse(f"layer {layer}", "the layer has no geometry column")

    if explicit is not None:
        src = explicit
    else:
        if not meta.get("crs"):
            refuse(f"layer {layer}", "the layer has no CRS: pass --crs", "crs")
        epsg = CRS.from_user_input(meta["crs"]).to_epsg()
        if epsg is None:
            refuse(f"layer {layer}", "the layer's CRS has no EPSG code: pass --crs", "crs")
        src = epsg

    fid_column = arrow.column_names[0]  # return_fids puts the FIDs first
    geom_column = meta.get("geometry_name") or "wkb_geometry"
    rows = arrow.to_pylist()
    wkb = np.array([r.pop(geom_column, None) for r in rows], dtype=object)
    geoms = (
        shapely.force_2d(shapely.from_wkb(wkb, on_invalid="ignore")).tolist() if len(wkb) else []
    )
    table = Table("gpkg", src, [])
    for row, geom in zip(rows, geoms, strict=True):
        fid = row.pop(fid_column)
        table.features.append(Feature(f"layer {layer} feature {fid}", row, geom))
    for row, (raw, geom) in enumerate(zip(wkb.tolist(), geoms, strict=True)):
        if raw is not None and geom is None:
            table.errors.append((row, "geometry", "unreadable geometry (bad WKB)"))
            table.features[row].geom_reported = True
    return table


# --- CSV -----------------------------------------------------------------------------------


def _decode(data: bytes, notes: list[str]) -> str:
    """UTF-8 (with or without BOM) first; else Windows-1252, which Excel uses for Swedish."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        note = (
            f"the file is not UTF-8 (byte {exc.start}); read it as Windows-1252 (cp1252). "
            "Check that å, ä and ö look right, or save it as 'CSV UTF-8'."
        )
        notes.append(note)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # cp1252 leaves five bytes undefined; latin-1 none


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class CsvRows:
    """A CSV's header and its non-empty rows (physical line number, stripped cells)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str
    notes: list[str]


def read_csv_rows(data: bytes) -> CsvRows:
    """Decode (UTF-8, else cp1252), find the delimiter (Excel's "sep=" line, else sniffed
    from , ; or tab) and split, refusing ragged rows and a missing header."""
    notes: list[str] = []
    text = _decode(data, notes)
    first, _, rest = text.partition("\n")
    skip = 0
    # Excel's "sep=;" first line names the delimiter.
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter, skip, text = first.strip()[4], 1, rest
    else:
        delimiter = _delimiter(next((line for line in text.split("\n") if line.strip()), ""))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            line = reader.line_num + skip
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                _check_header(header, line)
                continue
            if len(cells) != len(header):
                refuse(f"line {line}", f"expected {len(header)} columns, found {len(cells)}")
            records.append((line, [c.strip() for c in cells]))
    except csv.Error as exc:
        refuse(f"line {reader.line_num + skip}", f"malformed CSV: {exc}")
    if header is None:
        refuse("file", "the CSV has no header line")
    if not records:
        refuse("file", f"the CSV has a header line ({len(header)} columns) but no rows")
    return CsvRows(header, records, delimiter, notes)


def _read_csv(data: bytes, explicit: int | None) -> Table:
    parsed = read_csv_rows(data)
    table = Table("csv", SWEREF99TM, [], notes=parsed.notes, decimal_comma=parsed.delimiter != ",")
    table.features = [
        Feature(f"line {line}", dict(zip(parsed.header, cells, strict=True)), None)
        for line, cells in parsed.rows
    ]
    _csv_points(table, parsed.header, explicit)
    return table


def _check_header(header: list[str], line: int) -> None:
    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        key = canonical_key(name)
        if not key:
            refuse(f"line {line}", f"column {i} has no name")
        if key in seen:
            refuse(f"line {line}", f"column {name!r} appears twice")
        seen.add(key)


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    by_key = {canonical_key(h): h for h in header}
    return next((by_key[n] for n in names if n in by_key), None)


def _csv_points(table: Table, header: list[str], explicit: int | None) -> None:
    """Build points from x, y (a stated CRS) or lon, lat (WGS 84) columns."""
    xy = _column(header, X_NAMES), _column(header, Y_NAMES)
    lonlat = _column(header, LON_NAMES), _column(header, LAT_NAMES)
    if None not in lonlat and (explicit is None or None in xy):
        columns, table.geometry_field = lonlat, "lon/lat"
    elif None not in xy:
        columns, table.geometry_field = xy, "x/y"
    else:
        refuse("file", "no coordinate columns: need x, y (with --crs) or lon, lat (WGS 84)")
    xcol, ycol = columns
    assert xcol is not None and ycol is not None

    coords = np.full((len(table.features), 2), np.nan)
    usable = np.zeros(len(table.features), dtype=bool)
    for row, feature in enumerate(table.features):
        ok = True
        for k, col in enumerate(columns):
            assert col is not None
            try:
                value = number(feature.props.pop(col), decimal_comma=table.decimal_comma)
            except FieldError as exc:
                table.errors.append((row, col, exc.reason))
                ok = False
                continue
            if value is None:
                table.errors.append((row, col, msg("missing_coordinate")))
                ok = False
            else:
                coords[row, k] = value
        usable[row] = ok
        feature.geom_reported = not ok

    if explicit is not None:
        table.crs = explicit
    elif table.geometry_field == "lon/lat":
        table.crs = WGS84
    elif not usable.any() or looks_like_sweref(coords[usable, 0], coords[usable, 1]):
        # Every x, y lies in Sweden in SWEREF 99 TM metres: nothing else is plausible.
        table.crs = SWEREF99TM
        if usable.any():
            table.notes.append(f"{xcol}, {ycol} read as EPSG:3006 (SWEREF 99 TM metres)")
    else:
        refuse(
            "file",
            f"columns {xcol}, {ycol} are not all SWEREF 99 TM metres in Sweden: pass --crs "
            "with their EPSG code, or name the columns lon, lat for WGS 84",
            f"{xcol}/{ycol}",
        )
    points = np.asarray(shapely.points(coords))  # typed Point | array: coords give an array
    for row, feature in enumerate(table.features):
        if usable[row]:
            feature.geom = points[row]
