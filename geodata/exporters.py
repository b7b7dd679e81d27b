"""Write layers as GeoPackage, GeoJSON, CSV and zipped Shapefile, with pyogrio (GDAL).

Nothing here knows the database or the web. A layer is a `LayerSchema` (its name, title,
geometry type and typed fields, each with its Shapefile name) and a stream of Arrow record
batches whose last column, "geometry", is WKB already in the export CRS. Batches are
written as they come (`pyogrio.write_arrow` reads an Arrow stream), so a layer of any size
is never held in memory as a whole.

What each format gets:
- GeoPackage (`gpkg`): every layer in one file, the CRS as an EPSG code, typed fields
  (text, 32/64-bit integers, reals, booleans), the layer's title as its identifier.
  Written as GeoPackage 1.2, which GDAL 3.x, QGIS and ArcGIS read without warnings.
- GeoJSON (`geojson`): RFC 7946, always WGS 84 (lon, lat; the caller transforms), one file
  per layer; several layers come as a zip of one `.geojson` each.
- CSV (`csv`): UTF-8 with a byte order mark (so Excel shows å, ä, ö), comma-separated,
  geometry either as a first column `WKT` or as two first columns `X`, `Y` (the point, or a
  polygon's centroid); empty cells are nulls, booleans 1/0. Always a zip: each `.csv` comes
  with side files, a `.csvt` with the column types (so municipality_code "2401" and the 0/1
  strings of a run stay text) and a `.prj` with the CRS. The `.csvt` holds only the types
  both GDAL and QGIS 3.22's "Add Delimited Text Layer" accept (`csvt_types`): QGIS ignores
  a whole `.csvt` with GDAL's `WKT`, `CoordX`, `Integer64` or `Integer(Boolean)`. A
  text cell that a spreadsheet would take for a formula (it starts with = + - @, a tab or a
  carriage return) gets a leading apostrophe (`csv_safe`); numbers stay numbers.
- Shapefile (`shp`): always a zip, one `.shp/.shx/.dbf/.prj/.cpg` set per layer, the `.cpg`
  saying UTF-8. DBF field names are at most 10 characters: every field names its Shapefile
  name (`Field.dbf`), and the zip carries `field_names.csv`, the mapping from the full
  names. Text longer than a DBF field's 254 bytes is cut at a character boundary. Booleans
  are integers 1 (yes) and 0 (no), as `field_names.csv` says: a DBF logical field reaches
  QGIS and ArcGIS as the text 'T'/'F'.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely

from resilience.vocabulary import WGS84

FORMATS = ("gpkg", "geojson", "csv", "shp")
FORMAT_NAMES = {"gpkg": "GeoPackage", "geojson": "GeoJSON", "csv": "CSV", "shp": "Shapefile"}
MEDIA_TYPES = {
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}
CSV_GEOMETRIES = ("wkt", "xy")
GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPolygon")
FIELD_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
}
GEOMETRY = "geometry"
DBF_NAME_MAX = 10
DBF_TEXT_MAX_BYTES = 254
GPKG_VERSION = "1.2"
_DBF_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_LAYER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ExportError(ValueError):
    """A schema or an argument that cannot be written; a programming error, not the user's."""


@dataclass(frozen=True)
class Field:
    """A typed attribute. `dbf` is its Shapefile name (≤ 10 ASCII characters), when `name`
    is longer; `description` says what it is, with its unit."""

    name: str
    type: str
    dbf: str | None = None
    description: str = ""

    @property
    def dbf_name(self) -> str:
        return self.dbf or self.name


@dataclass(frozen=True)
class LayerSchema:
    """A layer's name (ASCII, also its file name in zips), its title (any text: the
    GeoPackage identifier, the GeoJSON description), geometry type and fields."""

    name: str
    title: str
    geometry_type: str
    fields: tuple[Field, ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not _LAYER_NAME.match(self.name):
            raise ExportError(f"layer name {self.name!r}: lower-case ASCII, digits, _")
        if self.geometry_type not in GEOMETRY_TYPES:
            raise ExportError(f"layer {self.name}: geometry type {self.geometry_type!r}")
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names) or GEOMETRY in names:
            raise ExportError(f"layer {self.name}: field names must be unique, not 'geometry'")
        dbf = [f.dbf_name.lower() for f in self.fields]
        if len(set(dbf)) != len(dbf):
            raise ExportError(f"layer {self.name}: Shapefile names are not unique: {dbf}")
        for f in self.fields:
            if f.type not in FIELD_TYPES:
                raise ExportError(f"field {f.name}: unknown type {f.type!r}")
            if len(f.dbf_name) > DBF_NAME_MAX or not _DBF_NAME.match(f.dbf_name):
                raise ExportError(f"field {f.name}: Shapefile name {f.dbf_name!r} is not valid")

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(f.name, FIELD_TYPES[f.type]) for f in self.fields]
            + [pa.field(GEOMETRY, pa.binary())]
        )


@dataclass
class Layer:
    """A schema and its batches (an iterable consumed once, typically a generator that
    reads from the database as GDAL asks for more)."""

    schema: LayerSchema
    batches: Iterable[pa.RecordBatch] = field(default_factory=list)


def record_batch(
    schema: LayerSchema, columns: Mapping[str, Sequence[Any]], wkb: Sequence[bytes | None]
) -> pa.RecordBatch:
    """One batch from columns by field name (None is null) and WKB geometries."""
    arrays = [pa.array(columns[f.name], type=FIELD_TYPES[f.type]) for f in schema.fields]
    arrays.append(pa.array(wkb, type=pa.binary()))
    return pa.RecordBatch.from_arrays(arrays, schema=schema.arrow_schema())


# --- writing one layer --------------------------------------------------------------------


class _Stream:
    """The batches as an Arrow stream for GDAL, keeping an exception of the source: GDAL
    only reports that reading the stream failed."""

    def __init__(self, schema: pa.Schema, batches: Iterable[pa.RecordBatch]) -> None:
        self.schema = schema
        self.batches = batches
        self.error: BaseException | None = None

    def _guarded(self) -> Iterator[pa.RecordBatch]:
        try:
            for batch in self.batches:
                yield batch.cast(self.schema) if batch.schema != self.schema else batch
        except BaseException as exc:
            self.error = exc
            raise

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.schema, self._guarded())


def _write_layer(
    path: Path,
    driver: str,
    schema: pa.Schema,
    batches: Iterable[pa.RecordBatch],
    *,
    layer: str,
    geometry_type: str,
    crs: int,
    dataset_options: dict[str, str] | None = None,
    layer_options: dict[str, str] | None = None,
) -> None:
    stream = _Stream(schema, batches)
    try:
        pyogrio.write_arrow(
            stream.reader(),
            str(path),
            layer=layer,
            driver=driver,
            geometry_name=GEOMETRY,
            geometry_type=geometry_type,
            crs=f"EPSG:{crs}",
            dataset_options=dataset_options,
            layer_options=layer_options,
        )
    except Exception as exc:
        if stream.error is not None:
            raise stream.error from exc
        raise


def _map_batches(batches: Iterable[pa.RecordBatch], fn: Any) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        yield fn(batch)


# --- the formats ----------------------------------------------------------------------------


def write_gpkg(path: Path, layers: Sequence[Layer], crs: int) -> Path:
    """All layers in one GeoPackage at `path` (which must not exist yet)."""
    for layer in layers:
        s = layer.schema
        options = {"IDENTIFIER": s.title}
        if s.description:
            options["DESCRIPTION"] = s.description
        _write_layer(
            path,
            "GPKG",
            s.arrow_schema(),
            layer.batches,
            layer=s.name,
            geometry_type=s.geometry_type,
            crs=crs,
            dataset_options={"VERSION": GPKG_VERSION},
            layer_options=options,
        )
    return path


def write_geojson_file(path: Path, layer: Layer) -> Path:
    """One layer as RFC 7946 GeoJSON; its geometries must be in WGS 84 already."""
    s = layer.schema
    # No ID_FIELD: GDAL would move that field out of the properties. Text stays text: GDAL
    # would write `attributes` ('{"a": 1}') as a nested object, which QGIS reads as a map
    # field that no "Save Features As" format can hold.
    options = {
        "RFC7946": "YES",
        "WRITE_NAME": "YES",
        "DESCRIPTION": s.description or s.title,
        "AUTODETECT_JSON_STRINGS": "NO",
    }
    _write_layer(
        path,
        "GeoJSON",
        s.arrow_schema(),
        layer.batches,
        layer=s.name,
        geometry_type=s.geometry_type,
        crs=WGS84,
        layer_options=options,
    )
    return path


def _centroids(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The geometry column as points: the point itself, a polygon's centroid."""
    index = batch.schema.get_field_index(GEOMETRY)
    geoms = shapely.from_wkb(batch.column(index).to_numpy(zero_copy_only=False))
    points = shapely.centroid(geoms)
    wkb = pa.array(shapely.to_wkb(points).tolist(), type=pa.binary())
    return batch.set_column(index, GEOMETRY, wkb)


# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (OWASP, "CSV injection"): text is prefixed with an apostrophe, which they show as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A cell for a CSV file opened in a spreadsheet: text that would start a formula gets a
    leading apostrophe; anything else (numbers, -5 included) is returned as it is."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_safe_batch(schema: LayerSchema) -> Any:
    """A function that applies csv_safe to the text columns of a batch."""
    text_columns = [i for i, f in enumerate(schema.fields) if f.type == "text"]
    pattern = "^[" + re.escape("".join(_FORMULA_START)) + "]"

    def convert(batch: pa.RecordBatch) -> pa.RecordBatch:
        for i in text_columns:
            column = batch.column(i)
            formula = pc.fill_null(pc.match_substring_regex(column, pattern), False)
            if pc.any(formula).as_py():
                quoted = pc.binary_join_element_wise("'", column, "")
                batch = batch.set_column(
                    i, batch.schema.field(i), pc.if_else(formula, quoted, column)
                )
        return batch

    return convert


# A field's type in a `.csvt` that GDAL's CSV driver and QGIS 3.22's delimitedtext provider
# both read (QGIS 3.22 knows integer, real, string, date, datetime and time, and refuses the
# whole file for any other word). Booleans are 1/0 integers. Neither "Integer64" (GDAL) nor
# "longlong" (QGIS) is understood by the other, so a 64-bit integer (people, cell ids) is
# "Integer" while its values fit 32 bits, else "Real" (exact up to 2⁵³), not an overflow.
CSVT_TYPES = {
    "text": "String",
    "int": "Integer",
    "bigint": "Integer",
    "float": "Real",
    "bool": "Integer",
}
INT32_MAX = 2**31 - 1


def csvt_types(schema: LayerSchema, geometry: str = "wkt", wide: Iterable[str] = ()) -> list[str]:
    """The `.csvt` of a layer written by write_csv_file: the geometry's columns first (the
    WKT as "String", which both read as a geometry by its name; X and Y as "Real"), then
    every field's; `wide` names the 64-bit fields with values beyond 32 bits ("Real")."""
    first = ["String"] if geometry == "wkt" else ["Real", "Real"]
    wide = set(wide)
    return first + [
        "Real" if f.name in wide and f.type == "bigint" else CSVT_TYPES[f.type]
        for f in schema.fields
    ]


class _WideIntegers:
    """Passes batches on, noting the 64-bit fields with a value beyond 32 bits."""

    def __init__(self, schema: LayerSchema) -> None:
        self.columns = [(i, f.name) for i, f in enumerate(schema.fields) if f.type == "bigint"]
        self.wide: set[str] = set()

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        for i, name in self.columns:
            if name in self.wide:
                continue
            bounds = pc.min_max(batch.column(i)).as_py()
            low, high = bounds["min"], bounds["max"]
            if low is not None and (high > INT32_MAX or low < -INT32_MAX - 1):
                self.wide.add(name)
        return batch


def write_csv_file(path: Path, layer: Layer, crs: int, geometry: str = "wkt") -> Path:
    """One layer as CSV with the geometry as WKT, or as X, Y (see the module docstring)."""
    if geometry not in CSV_GEOMETRIES:
        raise ExportError(f"CSV geometry {geometry!r}; use one of {CSV_GEOMETRIES}")
    s = layer.schema
    batches: Iterable[pa.RecordBatch] = layer.batches
    geometry_type = s.geometry_type
    if geometry == "xy" and geometry_type != "Point":
        batches, geometry_type = _map_batches(batches, _centroids), "Point"
    batches = _map_batches(batches, _csv_safe_batch(s))
    wide = _WideIntegers(s)
    batches = _map_batches(batches, wide)
    _write_layer(
        path,
        "CSV",
        s.arrow_schema(),
        batches,
        layer=s.name,
        geometry_type=geometry_type,
        crs=crs,
        layer_options={
            "GEOMETRY": "AS_WKT" if geometry == "wkt" else "AS_XY",
            "WRITE_BOM": "YES",
            "SEPARATOR": "COMMA",
            "CREATE_CSVT": "YES",  # and the .prj; the .csvt is then replaced by ours
        },
    )
    path.with_suffix(".csvt").write_text(",".join(csvt_types(s, geometry, wide.wide)) + "\n")
    return path


def csv_side_files(path: Path) -> list[Path]:
    """A CSV and the side files GDAL wrote beside it (.csvt, .prj), which GDAL and QGIS read
    with it."""
    return [path, *(p for p in (path.with_suffix(".csvt"), path.with_suffix(".prj")) if p.exists())]


DBF_BOOLEAN = "1 = yes, 0 = no"  # booleans in a Shapefile (see the module docstring)


def _dbf_type(f: Field) -> pa.DataType:
    return pa.int32() if f.type == "bool" else FIELD_TYPES[f.type]


def _dbf_batch(schema: LayerSchema, target: pa.Schema) -> Any:
    """A function that renames a batch's columns to the DBF names, cuts long text and makes
    booleans 1/0."""
    text_columns = [i for i, f in enumerate(schema.fields) if f.type == "text"]
    bool_columns = [i for i, f in enumerate(schema.fields) if f.type == "bool"]

    def convert(batch: pa.RecordBatch) -> pa.RecordBatch:
        arrays = list(batch.columns)
        for i in text_columns:
            arrays[i] = _cut_text(arrays[i])
        for i in bool_columns:
            arrays[i] = pc.cast(arrays[i], pa.int32())
        return pa.RecordBatch.from_arrays(arrays, schema=target)

    return convert


def _cut_text(array: pa.Array) -> pa.Array:
    lengths = pc.binary_length(array)
    if not pc.any(pc.greater(lengths, DBF_TEXT_MAX_BYTES)).as_py():
        return array
    values = [
        None if v is None else v.encode()[:DBF_TEXT_MAX_BYTES].decode("utf-8", errors="ignore")
        for v in array.to_pylist()
    ]
    return pa.array(values, type=pa.string())


def write_shapefiles(directory: Path, layers: Sequence[Layer], crs: int) -> list[Path]:
    """One Shapefile set per layer in `directory`, DBF in UTF-8 (with its .cpg)."""
    written = []
    for layer in layers:
        s = layer.schema
        target = pa.schema(
            [pa.field(f.dbf_name, _dbf_type(f)) for f in s.fields]
            + [pa.field(GEOMETRY, pa.binary())]
        )
        path = directory / f"{s.name}.shp"
        _write_layer(
            path,
            "ESRI Shapefile",
            target,
            _map_batches(layer.batches, _dbf_batch(s, target)),
            layer=s.name,
            geometry_type=s.geometry_type,
            crs=crs,
            # RESIZE: text fields as wide as their longest value, not GDAL's default 80.
            layer_options={"ENCODING": "UTF-8", "RESIZE": "YES"},
        )
        written += sorted(p for p in directory.glob(f"{s.name}.*") if p.suffix != ".zip")
    return written


def field_names_csv(schemas: Iterable[LayerSchema]) -> str:
    """The Shapefile field names of every layer: layer, field, shapefile_field, type,
    description (CSV text); a boolean's description ends with what its 1 and 0 mean."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["layer", "field", "shapefile_field", "type", "description"])
    for s in schemas:
        for f in s.fields:
            description = f.description
            if f.type == "bool":
                description = f"{description} ({DBF_BOOLEAN})" if description else DBF_BOOLEAN
            writer.writerow([s.name, f.name, f.dbf_name, f.type, description])
    return out.getvalue()


def _zip(path: Path, files: Iterable[Path], extra: Mapping[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.write(file, file.name)
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return path


def output_extension(fmt: str, layer_count: int) -> str:
    """The extension of the file `write` makes: several GeoJSON layers are zipped, a
    Shapefile and CSV (with their side files) always."""
    if fmt in ("shp", "csv") or (fmt == "geojson" and layer_count > 1):
        return "zip"
    return fmt


def write(
    fmt: str,
    layers: Sequence[Layer],
    directory: Path,
    basename: str,
    crs: int,
    *,
    csv_geometry: str = "wkt",
) -> Path:
    """Write the layers in `fmt` into `directory` (empty, or only ours) and return the one
    file to hand out: `<basename>.<gpkg|geojson|csv|zip>`."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not layers:
        raise ExportError("nothing to write: no layers")
    if fmt == "geojson" and crs != WGS84:
        raise ExportError("GeoJSON is written in WGS 84 (RFC 7946) only")
    ext = output_extension(fmt, len(layers))
    target = directory / f"{basename}.{ext}"
    if fmt == "gpkg":
        return write_gpkg(target, layers, crs)
    parts = directory / "parts"
    parts.mkdir()
    if fmt == "shp":
        files = write_shapefiles(parts, layers, crs)
        names = field_names_csv(layer.schema for layer in layers)
        return _zip(target, files, {"field_names.csv": names})
    files = []
    for layer in layers:
        if fmt == "geojson":
            files.append(write_geojson_file(parts / f"{layer.schema.name}.geojson", layer))
        else:
            written = write_csv_file(parts / f"{layer.schema.name}.csv", layer, crs, csv_geometry)
            files += csv_side_files(written)
    if ext == "zip":
        return _zip(target, files)
    return files[0].replace(target)
