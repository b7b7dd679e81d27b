"""The energy register, saving measures and meter readings from CSV, GeoPackage or GeoJSON.

The register is sites of category energy (read by read_sites, so the same fields and rules
apply) with three more attributes checked here: heating, styrel_priority (1-8) and peak_kw.
Measures and readings are plain tables: CSV without coordinates, a GeoPackage attribute
table (or a layer whose geometry is ignored), or GeoJSON properties. A row names its
building by `site_id` (the id in this service) or by `source_id` (and `source` when the
source_id alone is ambiguous); the service resolves those and reports rows it cannot.

As with the other loaders, every problem of the file is gathered and reported with its row
and field; nothing is returned unless the whole file is good. Nothing here touches the
database.
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyogrio
import pyogrio.raw

from geodata.loaders.fields import FieldError, canonical_key, is_blank, label, text
from geodata.loaders.fields import number as parse_number
from geodata.loaders.fields import whole as parse_whole
from geodata.loaders.results import LoadResult, Problems, refuse
from geodata.loaders.sites import read_sites
from geodata.loaders.sources import MAX_BYTES, Source, _check, read_csv_rows, read_table
from geodata.records import ImportValidationError, RecordError, SiteRecord
from resilience.energy_figures import MAX_YEAR, MIN_YEAR, normalise_heating, normalise_status
from resilience.vocabulary import STYREL_CLASSES, range_problem

# Accepted column names, first match wins (case-insensitive); Swedish aliases for owners'
# spreadsheets.
SITE_ID = ("site_id",)
SOURCE_ID = ("source_id", "site_source_id", "building_id", "byggnad_id")
SOURCE = ("source", "site_source")
MEASURE_COLUMNS: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "measure_id", "measure_ref", "åtgärd_id", "atgard_id"),
    "title": ("title", "measure", "what", "åtgärd", "atgard", "beskrivning"),
    "status": ("status",),
    "date": ("date", "datum", "done_date"),
    "expected_kwh_year": ("expected_kwh_year", "expected_kwh", "förväntad_kwh_år"),
    "verified_kwh_year": ("verified_kwh_year", "verified_kwh", "verifierad_kwh_år"),
    "cost_sek": ("cost_sek", "cost", "kostnad_sek", "kostnad"),
    "note": ("note", "notes", "anteckning", "kommentar"),
}
READING_COLUMNS: dict[str, tuple[str, ...]] = {
    "year": ("year", "år", "ar"),
    "month": ("month", "månad", "manad"),
    "kwh": ("kwh", "energy_kwh", "förbrukning_kwh", "forbrukning_kwh"),
}
# Figures the register export adds (services/energy/geojson.py, assessment_properties);
# they are computed, so an exported file imports again without storing them as attributes.
COMPUTED_COLUMNS = frozenset(
    {
        "id",
        "municipality_code",
        "municipality_name",
        "use_kwh_year",
        "use_source",
        "use_year",
        "intensity_kwh_m2",
        "energy_class",
        "primary_energy_kwh_m2",
        "class_method",
        "kind_median_kwh_m2",
        "saving_potential_kwh_year",
        "load_kw",
        "load_source",
        "has_backup",
        "warm_shelter",
        "must_stay_on",
        "savings_done_kwh_year",
        "savings_verified_kwh_year",
        "savings_pending_kwh_year",
        "measures_cost_sek",
        "measures",
    }
)
REGISTER_EXTRAS: dict[str, tuple[str, ...]] = {
    "heating": ("heating", "uppvärmning", "uppvarmning"),
    "styrel_priority": ("styrel_priority", "styrel", "prioritetsklass"),
    "peak_kw": ("peak_kw", "effekt_kw", "max_kw"),
}


@dataclass(frozen=True)
class BuildingRef:
    """How a row names its building."""

    site_id: int | None = None
    source: str | None = None
    source_id: str | None = None

    def __str__(self) -> str:
        if self.site_id is not None:
            return f"site_id {self.site_id}"
        where = f" in source {self.source!r}" if self.source else ""
        return f"source_id {self.source_id!r}{where}"


@dataclass(frozen=True)
class MeasureRecord:
    where: str  # "line 3", "layer measures row 2"
    building: BuildingRef
    ref: str
    title: str
    status: str  # planned | in_progress | done
    date: date | None
    expected_kwh_year: float | None
    verified_kwh_year: float | None
    cost_sek: float | None
    note: str | None


@dataclass(frozen=True)
class ReadingRecord:
    where: str
    building: BuildingRef
    year: int
    month: int | None  # None: the whole year
    kwh: float


@dataclass
class _Rows:
    format: str
    rows: list[tuple[str, dict[str, Any]]]  # (where, properties)
    notes: list[str]
    decimal_comma: bool = False


# --- plain tables ----------------------------------------------------------------------------


def _read_csv_rows(data: bytes) -> _Rows:
    parsed = read_csv_rows(data)
    rows = [
        (f"line {line}", dict(zip(parsed.header, cells, strict=True)))
        for line, cells in parsed.rows
    ]
    return _Rows("csv", rows, parsed.notes, decimal_comma=parsed.delimiter != ",")


def _read_gpkg_rows(path: Path, layer: str | None) -> _Rows:
    try:
        listed = [str(name) for name, _geometry_type in pyogrio.list_layers(path)]
    except RuntimeError as exc:
        refuse("file", f"cannot read the GeoPackage: {exc}")
    if layer is None:
        if len(listed) != 1:
            names = ", ".join(listed) or "none"
            refuse("file", f"the GeoPackage has {len(listed)} layers ({names}): pass --layer NAME")
        layer = listed[0]
    elif layer not in listed:
        refuse("file", f"no layer {layer!r} in the GeoPackage; it has {', '.join(listed)}")
    try:
        _meta, arrow = pyogrio.raw.read_arrow(path, layer=layer, read_geometry=False)
    except RuntimeError as exc:
        refuse(f"layer {layer}", f"cannot read the layer: {exc}")
    rows = [(f"layer {layer} row {i}", props) for i, props in enumerate(arrow.to_pylist(), 1)]
    return _Rows("gpkg", rows, [])


def read_rows(
    source: Source,
    *,
    layer: str | None = None,
    max_bytes: int = MAX_BYTES,
    filename: str | None = None,
) -> _Rows:
    """The rows of a CSV, a GeoPackage table or a GeoJSON file, as (where, properties).
    `filename` names bytes (its extension must agree with the content, as for sites)."""
    kind = _check(source, max_bytes, filename)
    if kind == "gpkg":
        if isinstance(source, bytes):
            # GDAL wants a .gpkg name; a temporary file has one.
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "upload.gpkg"
                path.write_bytes(source)
                return _read_gpkg_rows(path, layer)
        return _read_gpkg_rows(Path(source), layer)
    if kind == "geojson":
        table = read_table(source, max_bytes=max_bytes, filename=filename)
        return _Rows("geojson", [(f.where, f.props) for f in table.features], table.notes)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    return _read_csv_rows(data)


# --- fields -------------------------------------------------------------------------------


def parse_date(value: Any) -> date | None:
    """An ISO date (2024-03-31); date and datetime values as they come from a GeoPackage."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        raw = value.strip()
        try:
            return datetime.fromisoformat(raw).date() if "T" in raw else date.fromisoformat(raw)
        except ValueError:
            pass
    raise FieldError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-03-31")


def _pick(
    props: Mapping[str, Any], columns: Mapping[str, tuple[str, ...]]
) -> tuple[dict[str, tuple[str, Any]], list[str]]:
    """{field: (key as spelt, value)} for the known columns, and the other keys."""
    by_key = {canonical_key(k): k for k in props}
    found: dict[str, tuple[str, Any]] = {}
    used: set[str] = set()
    for name, aliases in columns.items():
        for alias in aliases:
            key = by_key.get(alias)
            if key is not None:
                found[name] = (key, props[key])
                used.add(key)
                break
    return found, [k for k in props if k not in used]


def _building(props: Mapping[str, Any]) -> tuple[BuildingRef | None, str, list[str], str | None]:
    """(reference, field named in errors, keys used, problem)."""
    found, _rest = _pick(props, {"site_id": SITE_ID, "source_id": SOURCE_ID, "source": SOURCE})
    used = [key for key, _v in found.values()]
    site_key, site_raw = found.get("site_id", ("site_id", None))
    sid_key, sid_raw = found.get("source_id", ("source_id", None))
    try:
        if not is_blank(site_raw):
            site_id = parse_whole(site_raw)
            return BuildingRef(site_id=site_id), site_key, used, None
        source_id = text(sid_raw)
        if source_id is None:
            problem = "missing; name the building by site_id or source_id"
            return None, sid_key, used, problem
        source = text(found.get("source", ("source", None))[1])
        return BuildingRef(source=source, source_id=source_id), sid_key, used, None
    except FieldError as exc:
        return None, site_key if not is_blank(site_raw) else sid_key, used, str(exc)


def _number(raw: Any, decimal_comma: bool, name: str = "") -> float | None:
    value = parse_number(raw, decimal_comma=decimal_comma)
    if value is not None and value < 0:
        raise FieldError(f"{raw!r} is negative; expected a number >= 0")
    if value is not None and (problem := range_problem(name, value)):
        raise FieldError(problem)
    return value


def _ignored_note(ignored: set[str]) -> list[str]:
    return [f"columns ignored: {', '.join(sorted(ignored))}"] if ignored else []


def _no_building_column(rows: _Rows) -> bool:
    keys = {canonical_key(k) for _w, props in rows.rows for k in props}
    return not keys & set(SITE_ID + SOURCE_ID)


# --- measures -------------------------------------------------------------------------------


def _open_rows(
    source: Source,
    layer: str | None,
    max_bytes: int,
    required: tuple[str, ...],
    columns: Mapping[str, tuple[str, ...]],
    filename: str | None = None,
) -> tuple[_Rows, Problems]:
    """Read a measures or readings file and refuse it as a whole when it has no rows, no
    building column or a required column missing."""
    table = read_rows(source, layer=layer, max_bytes=max_bytes, filename=filename)
    problems = Problems([w for w, _p in table.rows])
    if not table.rows:
        refuse("file", "the file has no rows")
    if _no_building_column(table):
        problems.error(None, "site_id", "no site_id or source_id column: name each building")
    present = {canonical_key(k) for _w, props in table.rows for k in props}
    for name in required:
        if not present & set(columns[name]):
            problems.error(None, name, f"the file has no '{name}' column")
    problems.raise_if_any()
    return table, problems


def read_measures(
    source: Source,
    *,
    layer: str | None = None,
    max_bytes: int = MAX_BYTES,
    filename: str | None = None,
) -> LoadResult[MeasureRecord]:
    """Energy-saving measures: building, ref (default: the title), title, status (planned,
    in_progress, done; Swedish planerad, pågår, klar), date (required when done),
    expected_kwh_year, verified_kwh_year (kWh/year), cost_sek, note."""
    table, problems = _open_rows(
        source, layer, max_bytes, ("title", "status"), MEASURE_COLUMNS, filename
    )

    records: list[MeasureRecord] = []
    ignored: set[str] = set()
    first: dict[tuple[BuildingRef, str], int] = {}
    for row, (where, props) in enumerate(table.rows):
        building, bkey, bused, why = _building(props)
        if why:
            problems.error(row, bkey, why)
        found, rest = _pick(props, MEASURE_COLUMNS)
        ignored.update(k for k in rest if k not in bused)
        parsed: dict[str, Any] = {}
        for name, (key, raw) in found.items():
            try:
                if name in ("ref", "note"):
                    parsed[name] = label(raw)
                elif name == "title":
                    parsed[name] = label(raw)
                    if parsed[name] is None:
                        raise FieldError("missing; every measure needs a title")
                elif name == "status":
                    value = text(raw)
                    if value is None:
                        raise FieldError("missing; planned, in_progress or done")
                    parsed[name] = normalise_status(value)
                elif name == "date":
                    parsed[name] = parse_date(raw)
                else:
                    parsed[name] = _number(raw, table.decimal_comma, name)
            except (FieldError, ValueError) as exc:
                problems.error(row, key, str(exc))
        if parsed.get("status") == "done" and parsed.get("date") is None and "status" in parsed:
            key = found.get("date", ("date", None))[0]
            problems.error(row, key, "missing; a done measure needs the date it was completed")
        title, status = parsed.get("title"), parsed.get("status")
        if building is None or title is None or status is None:
            continue
        ref = parsed.get("ref") or title
        if (building, ref) in first:
            key = found.get("ref", found["title"])[0]
            message = (
                f"a second measure {ref!r} for {building} (first at "
                f"{problems.where(first[(building, ref)])}); give each its own ref"
            )
            problems.error(row, key, message)
            continue
        first[(building, ref)] = row
        records.append(
            MeasureRecord(
                where=where,
                building=building,
                ref=ref,
                title=title,
                status=status,
                date=parsed.get("date"),
                expected_kwh_year=parsed.get("expected_kwh_year"),
                verified_kwh_year=parsed.get("verified_kwh_year"),
                cost_sek=parsed.get("cost_sek"),
                note=parsed.get("note"),
            )
        )
    problems.raise_if_any()
    return LoadResult(records, 0, [], table.format, table.notes + _ignored_note(ignored))


# --- meter readings ---------------------------------------------------------------------------


def read_readings(
    source: Source,
    *,
    layer: str | None = None,
    max_bytes: int = MAX_BYTES,
    filename: str | None = None,
) -> LoadResult[ReadingRecord]:
    """Meter readings: building, year, month (1-12; empty for the whole year), kwh."""
    table, problems = _open_rows(
        source, layer, max_bytes, ("year", "kwh"), READING_COLUMNS, filename
    )

    records: list[ReadingRecord] = []
    ignored: set[str] = set()
    first: dict[tuple[BuildingRef, int, int | None], int] = {}
    for row, (where, props) in enumerate(table.rows):
        building, bkey, bused, why = _building(props)
        if why:
            problems.error(row, bkey, why)
        found, rest = _pick(props, READING_COLUMNS)
        ignored.update(k for k in rest if k not in bused)
        year = month = kwh = None
        for name, (key, raw) in found.items():
            try:
                if name == "year":
                    year = parse_whole(raw, decimal_comma=table.decimal_comma)
                    if year is None:
                        raise FieldError("missing; the year of the reading is required")
                    if not MIN_YEAR <= year <= MAX_YEAR:
                        raise FieldError(f"{raw!r} is not a year between {MIN_YEAR} and {MAX_YEAR}")
                elif name == "month":
                    month = parse_whole(raw, decimal_comma=table.decimal_comma)
                    if month is not None and not 1 <= month <= 12:
                        raise FieldError(f"{raw!r} is not a month 1-12 (empty: the whole year)")
                else:
                    kwh = _number(raw, table.decimal_comma, "kwh")
                    if kwh is None:
                        raise FieldError("missing; the metered kWh is required")
            except FieldError as exc:
                problems.error(row, key, str(exc))
        if building is None or year is None or kwh is None:
            continue
        period = (building, year, month)
        if period in first:
            what = f"{year}-{month:02d}" if month else str(year)
            earlier = problems.where(first[period])
            message = f"a second reading of {building} for {what} (first at {earlier})"
            problems.error(row, found["year"][0], message)
            continue
        first[period] = row
        records.append(ReadingRecord(where, building, year, month, kwh))
    problems.raise_if_any()
    return LoadResult(records, 0, [], table.format, table.notes + _ignored_note(ignored))


# --- the register -----------------------------------------------------------------------------


def _register_extras(
    raw: Mapping[str, Any], decimal_comma: bool, error: Callable[[str, str], None]
) -> dict[str, Any]:
    found, _rest = _pick(raw, REGISTER_EXTRAS)
    values: dict[str, Any] = {}
    for name, (key, value) in found.items():
        if is_blank(value):
            continue
        try:
            if name == "heating":
                values[name] = normalise_heating(str(text(value)))
            elif name == "styrel_priority":
                priority = parse_whole(value, decimal_comma=decimal_comma)
                if priority not in STYREL_CLASSES:
                    raise FieldError(f"{value!r} is not a Styrel priority class 1 (highest) to 8")
                values[name] = priority
            else:
                values[name] = _number(value, decimal_comma, name)
        except (FieldError, ValueError) as exc:
            error(key, str(exc))
    return values


def read_register(
    source: Source,
    crs: str | int | None = None,
    *,
    layer: str | None = None,
    max_bytes: int = MAX_BYTES,
    stored_plants: Collection[str] = (),
    filename: str | None = None,
) -> LoadResult[SiteRecord]:
    """Public buildings as energy sites (read_sites' fields, category energy by default),
    with heating (district_heating, electricity, heat_pump, biofuel, oil, or Swedish names;
    stored in the site's heating column, as read_sites does), styrel_priority (1-8) and
    peak_kw (kW) checked and stored under those names in the attributes. `stored_plants`:
    as read_sites, the district heating plants a heat_plant may name."""
    table = read_table(source, crs=crs, layer=layer, max_bytes=max_bytes, filename=filename)
    wheres = [f.where for f in table.features]
    position = {w: i for i, w in enumerate(wheres)}
    problems = Problems(wheres)
    extras: list[dict[str, Any]] = []
    for row, feature in enumerate(table.features):
        found, _rest = _pick(feature.props, {"category": ("category",)})
        category = found.get("category", ("category", None))
        if not is_blank(category[1]) and str(category[1]).strip().lower() != "energy":
            problems.error(row, category[0], "the register holds energy buildings only")
        extras.append(
            _register_extras(
                feature.props,
                table.decimal_comma,
                functools.partial(problems.error, row),
            )
        )
    errors: list[RecordError] = []
    try:
        problems.raise_if_any()
    except ImportValidationError as exc:
        errors.extend(exc.errors)
    try:
        result = read_sites(
            source,
            crs,
            defaults={"category": "energy"},
            layer=layer,
            max_bytes=max_bytes,
            stored_plants=stored_plants,
            filename=filename,
        )
    except ImportValidationError as exc:
        seen = {(e.where, e.field, e.message) for e in errors}
        errors.extend(e for e in exc.errors if (e.where, e.field, e.message) not in seen)
        result = None
    if errors:
        errors.sort(key=lambda e: position.get(e.where, -1))
        raise ImportValidationError(errors)
    assert result is not None and len(result.records) == len(extras)
    records = []
    dropped = {a for names in REGISTER_EXTRAS.values() for a in names} | COMPUTED_COLUMNS
    computed: set[str] = set()
    for record, values in zip(result.records, extras, strict=True):
        attributes = {}
        for key, value in record.attributes.items():
            if canonical_key(key) in COMPUTED_COLUMNS:
                computed.add(key)
            if canonical_key(key) not in dropped:
                attributes[key] = value
        heating = values.pop("heating", record.heating)
        attributes.update(values)
        records.append(dataclasses.replace(record, attributes=attributes, heating=heating))
    notes = list(result.notes)
    if computed:
        notes.append(f"computed columns ignored: {', '.join(sorted(computed))}")
    return dataclasses.replace(result, records=records, notes=notes)
