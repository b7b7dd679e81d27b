"""Exports for GIS (issue #5): the map layers and a run's results as GeoPackage, GeoJSON,
CSV or zipped Shapefile, in SWEREF 99 TM (EPSG:3006) or WGS 84 (EPSG:4326).

What can be exported (`LAYER_IDS`, `RUN_LAYER_IDS`) and with which fields is declared here;
the rows are read from PostGIS in batches (geometry transformed and as WKB in the same
query) and written by geodata.exporters. Small exports are built in the request; above
`DIRECT_MAX_FEATURES` features an export is built by an RQ job (workers/jobs.py
export_layers), whose record and file are kept in PostgreSQL (tables `exports` and
`export_chunks`) until they expire (`EXPORT_TTL_S`). Every export is written to the audit
log (action "export").
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from geodata import exporters
from geodata.exporters import Field, Layer, LayerSchema
from resilience.config import LOCAL_TZ
from resilience.crs import parse_epsg
from resilience.db import advisory_xact_lock
from resilience.errors import BadInput, Conflict, DomainError, NotFound, Unavailable
from resilience.models import AuditLog, Export, ExportChunk, Municipality, Run
from resilience.services.layers import municipality_code
from resilience.vocabulary import (
    CATEGORIES,
    CATEGORY,
    HEATING,
    OWNERS,
    SITE_NUMBER_SPECS,
    SWEREF99TM,
    WGS84,
    one_of,
)

# Up to this many features (summed over the layers; for gap polygons, the cells dissolved)
# an export is built while the request waits: ~1 s for a GeoPackage on a 2-core machine,
# and the built-in Västerbotten data (~3,300 features) stays well below it. A 250,000-cell
# grid, or the cells of a run over it, goes to a worker.
DIRECT_MAX_FEATURES = 20_000
BATCH_ROWS = 10_000  # rows per Arrow batch, and between two progress reports
EXPORT_TTL_S = 24 * 3600  # a finished background export is kept this long
LOST_AFTER_S = 60  # a queued record RQ does not know after this long was lost
CRSS = (SWEREF99TM, WGS84)
AUDIT_ACTION = "export"
COUNTY_SLUG = "vasterbotten"
OUTSIDE_NAME = "Utanför kommunerna"
COUNTY_NAME = "Västerbottens län"

LAYER_IDS = ("municipalities", "population", *CATEGORIES)
RUN_LAYER_IDS = ("sites", "cells", "municipalities", "gaps", "timeline")
SERVICES = (("food", "Livsmedel"), ("care", "Vård"), ("shelter", "Trygghetspunkt"))


class ExportGone(DomainError):
    status, code = 410, "gone"


# --- what is exported: layers, fields, Shapefile names -----------------------------------

# A site's numeric columns, its owner and (v2) its heating, with their Shapefile names and
# descriptions; which of them a category's layer has is vocabulary.CATEGORY[category].fields.
_SITE_FIELDS = {
    **{
        n.name: Field(n.name, "int" if n.integer else "float", n.short, n.description)
        for n in SITE_NUMBER_SPECS
    },
    "owner": Field("owner", "text", None, one_of(OWNERS)),
    "heating": Field("heating", "text", None, one_of(HEATING) + "; empty: not district heating"),
    "heat_plant": Field("heat_plant", "text", None, "source_id of the heating plant"),
}
_MUNICIPALITY_CODE = Field("municipality_code", "text", "muni_code", "kommun code")
# Coverage model v2 (Heat, Food stock, Time) in a run's layers.
_SITE_V2_FIELDS = (
    Field("heat_plant_source_id", "text", "plant_src", "district heating plant it depends on"),
    Field("hours_cold", "float", "h_cold", "hours below the cold threshold"),
    Field("first_cold_hour", "float", "first_cold", "hour it first goes cold; empty: never"),
    Field("min_indoor_c", "float", "min_in_c", "lowest indoor temperature, °C"),
    Field("unpowered_intervals", "text", "unpow_int", "hours without power: a1 b1 a2 b2"),
    Field("cold_intervals", "text", "cold_int", "cold hours (after a1, before b1) ..."),
)
_MUNICIPALITY_V2_FIELDS = (
    Field("care_sites_cold", "int", "care_cold", "care sites that go cold"),
    Field("residents_cold", "int", "res_cold", "their residents"),
    Field("resident_hours_cold", "float", "res_h_cold", "residents × hours cold"),
    Field("shelters_cold", "int", "shelt_cold", "warm shelters that go cold"),
    Field("food_stock_days", "float", "food_days", "days of food in operational stores"),
    Field("food_stock_days_baseline", "float", "food_day_b", "days of food, normal"),
    Field("food_stock_deficit_person_days", "float", "food_defic", "person-days short of target"),
    Field("food_sites_stock_unknown", "int", "food_unkno", "food sites without a stock figure"),
)
_TIMELINE_SERIES = (
    ("care_sites_unpowered", "care_unpow", "care sites without power at the hour"),
    ("residents_unpowered", "res_unpow", "their residents"),
    ("care_sites_cold", "care_cold", "care sites cold at the hour"),
    ("residents_cold", "res_cold", "their residents"),
)


@dataclass(frozen=True)
class Source:
    """One exported layer: its schema and the SQL that reads it. `select` returns the
    schema's fields in order and then the geometry as WKB in :crs; `count` the number of
    rows it reads (for gaps: the cells dissolved)."""

    id: str
    schema: LayerSchema
    select: str
    count: str
    single_row_batches: bool = False  # gaps: a few big polygons, read at once


def _geom(column: str) -> str:
    return f"ST_AsBinary(ST_Transform({column}, CAST(:crs AS integer)))"


def _where(*clauses: str | None) -> str:
    kept = [c for c in clauses if c]
    return " WHERE " + " AND ".join(kept) if kept else ""


def layer_sources(municipality: str | None) -> dict[str, Source]:
    """The map layers, filtered by municipality when given (the SQL varies only by fixed
    fragments; values are bound parameters)."""
    by_code = "m.code = :municipality" if municipality else None
    sources: dict[str, Source] = {
        "municipalities": Source(
            "municipalities",
            LayerSchema(
                "kommuner",
                "Kommuner",
                "MultiPolygon",
                (
                    Field("code", "text", None, "kommun code (4 digits)"),
                    Field("name", "text"),
                    Field("population", "bigint", None, "inhabitants in the grid"),
                    Field("sites", "int", None, "sites in the municipality"),
                ),
            ),
            "SELECT m.code, m.name, COALESCE(p.population, 0)::bigint,"
            f" COALESCE(s.sites, 0)::int, {_geom('m.geom')} FROM municipalities m"
            " LEFT JOIN (SELECT municipality_code, SUM(population)::bigint AS population"
            "   FROM population_cells GROUP BY 1) p ON p.municipality_code = m.code"
            " LEFT JOIN (SELECT municipality_code, COUNT(*) AS sites FROM sites GROUP BY 1) s"
            f"   ON s.municipality_code = m.code{_where(by_code)} ORDER BY m.code",
            f"SELECT count(*) FROM municipalities m{_where(by_code)}",
        ),
        "population": Source(
            "population",
            LayerSchema(
                "befolkning",
                "Befolkningsrutor",
                "Polygon",
                (
                    Field("id", "bigint"),
                    Field("x_ll", "int", None, "lower-left corner, EPSG:3006 easting, m"),
                    Field("y_ll", "int", None, "lower-left corner, EPSG:3006 northing, m"),
                    Field("cell_size", "int", None, "cell side, m"),
                    Field("population", "int", None, "inhabitants"),
                    _MUNICIPALITY_CODE,
                ),
            ),
            "SELECT id, x_ll, y_ll, cell_size, population, municipality_code,"
            f" {_geom('geom')} FROM population_cells"
            + _where("population > 0", municipality and "municipality_code = :municipality")
            + " ORDER BY id",
            "SELECT count(*) FROM population_cells"
            + _where("population > 0", municipality and "municipality_code = :municipality"),
        ),
    }
    for category in CATEGORIES:
        spec = CATEGORY[category]
        name, title, numbers = spec.layer, spec.title, spec.fields
        where = _where(
            "s.category = :category_" + category,
            municipality and "s.municipality_code = :municipality",
        )
        sources[category] = Source(
            category,
            LayerSchema(
                name,
                title,
                "Point",
                (
                    Field("id", "int"),
                    Field("name", "text"),
                    Field("category", "text", None, one_of(CATEGORIES)),
                    Field("kind", "text"),
                    Field("source", "text"),
                    Field("source_id", "text", None, "id in its source, unique per source"),
                    _MUNICIPALITY_CODE,
                    Field("municipality_name", "text", "muni_name"),
                    *(_SITE_FIELDS[n] for n in numbers),
                    Field("attributes", "text", None, "other attributes, JSON"),
                ),
            ),
            "SELECT s.id, s.name, s.category, s.kind, s.source, s.source_id,"
            " s.municipality_code, m.name,"
            + "".join(f" s.{n}," for n in numbers)
            + f" s.attributes::text, {_geom('s.geom')} FROM sites s"
            " LEFT JOIN municipalities m ON m.code = s.municipality_code"
            f"{where} ORDER BY s.id",
            f"SELECT count(*) FROM sites s{where}",
        )
    return sources


def run_sources(municipality: str | None, category: str | None) -> dict[str, Source]:
    """A run's results: every site with its power status, every populated cell with its
    travel times, the summary per municipality, and the gaps dissolved per service."""
    in_municipality = "r.municipality_code = :municipality" if municipality else None
    site_where = _where(
        "r.run_id = :run", in_municipality, "s.category = :category" if category else None
    )
    cell_where = _where("r.run_id = :run", in_municipality)
    minutes = [
        Field(f"{s}_minutes", "float", f"{s[:5]}_min", f"travel minutes to {s}, scenario")
        for s, _n in SERVICES
    ] + [
        Field(f"{s}_minutes_baseline", "float", f"{s[:4]}_min_b", "travel minutes, baseline")
        for s, _n in SERVICES
    ]
    covered = [
        Field(f"{s}_covered", "bool", f"{s[:5]}_cov", "within the time limit, scenario")
        for s, _n in SERVICES
    ] + [
        Field(f"{s}_covered_baseline", "bool", f"{s[:4]}_cov_b", "within the limit, baseline")
        for s, _n in SERVICES
    ]
    new = [
        Field(f"new_{s}_gap", "bool", f"new_{s[:5]}", "not covered, but covered in the baseline")
        for s, _n in SERVICES
    ]
    uncovered = [
        Field(f"uncovered_{s}", "bigint", f"unc_{s[:5]}", f"people without {s}, scenario")
        for s, _n in SERVICES
    ] + [
        Field(f"baseline_uncovered_{s}", "bigint", f"b_unc_{s[:4]}", "people without, baseline")
        for s, _n in SERVICES
    ]
    uncovered_at = [
        Field(
            f"{s}_uncovered_at",
            "text",
            f"{s[:4]}_unc_t",
            "0/1 per timeline instant k: 1 uncovered at hour k·step; empty: covered throughout",
        )
        for s, _n in SERVICES
    ]
    services_sql = ", ".join(
        f"('{s}', '{label}', NOT r.{s}_covered, r.{s}_covered_baseline)" for s, label in SERVICES
    )
    gap_where = _where("r.run_id = :run", "g.uncovered", in_municipality)
    return {
        "sites": Source(
            "sites",
            LayerSchema(
                "platser",
                "Platser: el i scenariot",
                "Point",
                (
                    Field("site_id", "int"),
                    Field("name", "text"),
                    Field("category", "text"),
                    Field("kind", "text"),
                    Field("source_id", "text"),
                    _MUNICIPALITY_CODE,
                    Field("residents", "int"),
                    Field("status", "text", None, "grid, backup, partial or none"),
                    Field(
                        "hours_unpowered_before",
                        "float",
                        "h_before",
                        "hours without power before mobile generators",
                    ),
                    Field("hours_unpowered", "float", "h_unpower", "hours without power"),
                    Field("unpowered", "bool", None, "hours_unpowered > 0"),
                    Field("generator_id", "int", "gen_id", "assigned mobile generator"),
                    Field("generator_source_id", "text", "gen_src_id"),
                    Field("generator_name", "text", "gen_name"),
                    Field("arrival_hours", "float", "arrival_h", "generator arrival, hours"),
                    *_SITE_V2_FIELDS,
                ),
            ),
            "SELECT s.id, s.name, s.category, s.kind, s.source_id, r.municipality_code,"
            " s.residents, r.status, r.hours_unpowered_before, r.hours_unpowered,"
            " r.hours_unpowered > 0, r.generator_id, g.source_id, g.name, r.arrival_hours,"
            " h.source_id, r.hours_cold, r.first_cold_hour, r.min_indoor_c,"
            " array_to_string(r.unpowered_intervals, ' '),"
            " array_to_string(r.cold_intervals, ' '),"
            f" {_geom('s.geom')} FROM run_sites r JOIN sites s ON s.id = r.site_id"
            " LEFT JOIN sites g ON g.id = r.generator_id"
            f" LEFT JOIN sites h ON h.id = r.heat_plant_id{site_where} ORDER BY s.id",
            "SELECT count(*) FROM run_sites r JOIN sites s ON s.id = r.site_id" + site_where,
        ),
        "cells": Source(
            "cells",
            LayerSchema(
                "rutor",
                "Rutor: restider och täckning",
                "Polygon",
                (
                    Field("cell_id", "bigint"),
                    _MUNICIPALITY_CODE,
                    Field("population", "int"),
                    *minutes,
                    *covered,
                    *new,
                    *uncovered_at,
                ),
            ),
            "SELECT r.cell_id, r.municipality_code, r.population,"
            + "".join(f" r.{f.name}," for f in minutes + covered)
            + "".join(f" (NOT r.{s}_covered AND r.{s}_covered_baseline)," for s, _n in SERVICES)
            + "".join(f" r.{f.name}::text," for f in uncovered_at)
            + f" {_geom('c.geom')} FROM run_cells r"
            f" LEFT JOIN population_cells c ON c.id = r.cell_id{cell_where} ORDER BY r.cell_id",
            "SELECT count(*) FROM run_cells r" + cell_where,
        ),
        "municipalities": Source(
            "municipalities",
            LayerSchema(
                "kommuner",
                "Kommuner: sammanfattning",
                "MultiPolygon",
                (
                    Field("code", "text", None, "kommun code; empty: outside every kommun"),
                    Field("name", "text"),
                    Field("population", "bigint"),
                    *uncovered,
                    Field("care_sites_unpowered", "int", "care_unpow"),
                    Field("residents_unpowered", "int", "res_unpow"),
                    Field("resident_hours_unpowered", "float", "res_h_unpo"),
                    Field("generators_assigned", "int", "gen_assign"),
                    *_MUNICIPALITY_V2_FIELDS,
                ),
            ),
            "SELECT NULLIF(r.code, ''), CASE WHEN r.code = '' THEN :outside ELSE r.name END,"
            " r.population,"
            + "".join(f" r.{f.name}," for f in uncovered)
            + " r.care_sites_unpowered, r.residents_unpowered, r.resident_hours_unpowered,"
            " r.generators_assigned,"
            + "".join(f" r.{f.name}," for f in _MUNICIPALITY_V2_FIELDS)
            + f" {_geom('m.geom')} FROM run_municipalities r"
            " LEFT JOIN municipalities m ON m.code = r.code"
            + _where("r.run_id = :run", municipality and "r.code = :municipality")
            + " ORDER BY r.code = '', r.code",
            "SELECT count(*) FROM run_municipalities r"
            + _where("r.run_id = :run", municipality and "r.code = :municipality"),
        ),
        "gaps": Source(
            "gaps",
            LayerSchema(
                "luckor",
                "Luckor per tjänst",
                "MultiPolygon",
                (
                    Field("service", "text", None, "food, care or shelter"),
                    Field("service_name", "text", "serv_name"),
                    Field("new_gap", "bool", None, "covered in the baseline: a new gap"),
                    Field("cells", "int", None, "grid cells dissolved"),
                    Field("population", "bigint"),
                    Field("area_km2", "float", None, "km²"),
                ),
            ),
            # ST_Union per service and new/old: the uncovered cells dissolved into areas.
            "SELECT g.service, g.service_name, g.baseline_covered, count(*)::int,"
            " sum(r.population)::bigint, (sum(ST_Area(c.geom)) / 1e6)::float8,"
            f" {_geom('ST_Multi(ST_Union(c.geom))')} FROM run_cells r"
            " JOIN population_cells c ON c.id = r.cell_id"
            f" CROSS JOIN LATERAL (VALUES {services_sql})"
            f" AS g(service, service_name, uncovered, baseline_covered){gap_where}"
            " GROUP BY g.service, g.service_name, g.baseline_covered"
            " ORDER BY array_position(ARRAY['food', 'care', 'shelter'], g.service),"
            " g.baseline_covered",
            "SELECT count(*) FROM run_cells r JOIN population_cells c ON c.id = r.cell_id"
            f" CROSS JOIN LATERAL (VALUES {services_sql})"
            f" AS g(service, service_name, uncovered, baseline_covered){gap_where}",
            single_row_batches=True,
        ),
        "timeline": Source(
            "timeline",
            LayerSchema(
                "tidslinje",
                "Tidslinje per timme",
                "MultiPolygon",
                (
                    Field("hour", "float", None, "hours after the outage began (instant t_k)"),
                    Field("code", "text", None, "kommun code; 'county': the whole county"),
                    Field("name", "text"),
                    *(
                        Field(name, "int", short, description)
                        for name, short, description in _TIMELINE_SERIES
                    ),
                    *(
                        Field(f"uncovered_{s}", "bigint", f"unc_{s[:5]}", f"people without {s}")
                        for s, _n in SERVICES
                    ),
                ),
                description="the county has no geometry",
            ),
            "SELECT t.hour, t.code, CASE WHEN t.code = 'county' THEN :county ELSE m.name END,"
            + "".join(f" t.{name}," for name, _s, _d in _TIMELINE_SERIES)
            + "".join(f" t.uncovered_{s}," for s, _n in SERVICES)
            + f" {_geom('m.geom')} FROM run_timeline t LEFT JOIN municipalities m"
            " ON m.code = t.code"
            + _where("t.run_id = :run", municipality and "t.code = :municipality")
            + " ORDER BY t.code = 'county' DESC, t.code, t.k",
            "SELECT count(*) FROM run_timeline t"
            + _where("t.run_id = :run", municipality and "t.code = :municipality"),
        ),
    }


def schemas() -> dict[str, list[LayerSchema]]:
    """Every layer's schema, for the documentation of the Shapefile field names."""
    return {
        "layers": [s.schema for s in layer_sources(None).values()],
        "run": [s.schema for s in run_sources(None, None).values()],
    }


# --- what is asked for ----------------------------------------------------------------------


def _names(value: Any) -> list[str]:
    """Layer ids from "a,b", ["a", "b"] or ["a,b"]."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


@dataclass(frozen=True)
class ExportRequest:
    """An export: the map layers (`run_id` None) or a run's results, in a format and CRS,
    optionally filtered. With `category` and no layers named, a layers export is that
    category's sites alone; in a run export it filters the site results."""

    format: str = "gpkg"
    crs: int = SWEREF99TM
    layers: tuple[str, ...] = LAYER_IDS
    run_id: int | None = None
    municipality: str | None = None
    category: str | None = None
    csv_geometry: str = "wkt"

    @classmethod
    def parse(cls, values: Mapping[str, Any], run_id: int | None = None) -> ExportRequest:
        fmt = str(values.get("format") or "gpkg").lower()
        if fmt not in exporters.FORMATS:
            raise BadInput(f"unknown format {fmt!r}; use one of {', '.join(exporters.FORMATS)}")
        default_crs = WGS84 if fmt == "geojson" else SWEREF99TM
        try:
            crs = parse_epsg(values.get("crs"), default=default_crs)
        except ValueError as exc:
            raise BadInput(str(exc)) from exc
        if crs not in CRSS:
            raise BadInput("crs must be 3006 (SWEREF 99 TM) or 4326 (WGS 84)")
        if fmt == "geojson" and crs != WGS84:
            raise BadInput("GeoJSON is always WGS 84 (RFC 7946): leave out crs or use 4326")
        if run_id is None and values.get("run") not in (None, ""):
            run = str(values["run"])
            if not run.isdigit():
                raise BadInput("run must be a run number")
            run_id = int(run)
        category = values.get("category") or None
        if category is not None and category not in CATEGORIES:
            raise BadInput(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")
        known = RUN_LAYER_IDS if run_id is not None else LAYER_IDS
        named = _names(values.get("layers"))
        unknown = [n for n in named if n not in known]
        if unknown:
            raise BadInput(f"unknown layers {', '.join(unknown)}; use any of {', '.join(known)}")
        if run_id is None and category:
            named = [n for n in named or [category] if n not in CATEGORIES or n == category]
            if not named:
                raise BadInput(f"category {category} is not among the layers chosen")
        layers = tuple(n for n in known if n in named) if named else known
        geometry = str(values.get("geometry") or "wkt").lower()
        if geometry not in exporters.CSV_GEOMETRIES:
            raise BadInput("geometry (CSV) must be wkt or xy")
        municipality = municipality_code(str(values.get("municipality") or ""))
        return cls(fmt, crs, layers, run_id, municipality, category, geometry)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["layers"] = list(self.layers)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExportRequest:
        return cls(**{**data, "layers": tuple(data["layers"])})

    def describe(self) -> str:
        """For people: "GeoPackage EPSG:3006: run 12 (sites, cells); municipality 2480"."""
        what = f"run {self.run_id}" if self.run_id is not None else "layers"
        text_ = f"{exporters.FORMAT_NAMES[self.format]} EPSG:{self.crs}: {what}"
        text_ += f" ({', '.join(self.layers)})"
        if self.municipality:
            text_ += f"; municipality {self.municipality}"
        if self.category:
            text_ += f"; category {self.category}"
        if self.format == "csv":
            text_ += f"; geometry {self.csv_geometry}"
        return text_


def slugify(value: str) -> str:
    """ASCII for file names: å, ä → a, ö → o, other accents dropped, the rest as '-'."""
    value = value.translate(str.maketrans("åäöÅÄÖ", "aaoAAO"))
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"


@dataclass
class Plan:
    """A validated request with its layers, their row counts and the file name."""

    request: ExportRequest
    sources: list[Source]
    counts: list[int]
    file_name: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> int:
        return sum(self.counts)

    @property
    def direct(self) -> bool:
        return self.features <= DIRECT_MAX_FEATURES

    @property
    def basename(self) -> str:
        return self.file_name.rsplit(".", 1)[0]


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def file_name(
    request: ExportRequest,
    on: date,
    *,
    scenario: str | None = None,
    municipality: str | None = None,
) -> str:
    """vasterbotten_<what>[_<kommun>][_<category>][_wgs84]_<date>.<ext>, e.g.
    vasterbotten_luckor_stormen-ylva_2026-11-26.gpkg or vasterbotten_lager_2026-11-26.gpkg;
    <what> is luckor_<scenario> for a run, a single layer's name, or lager."""
    parts = [COUNTY_SLUG]
    if request.run_id is not None:
        parts.append(f"luckor_{slugify(scenario or f'korning-{request.run_id}')}")
    elif len(request.layers) == 1:
        parts.append(layer_sources(None)[request.layers[0]].schema.name)
    else:
        parts.append("lager")
    if municipality:
        parts.append(slugify(municipality))
    if request.category and (request.run_id is not None or request.layers != (request.category,)):
        parts.append(CATEGORY[request.category].layer)
    if request.crs == WGS84 and request.format != "geojson":
        parts.append("wgs84")
    parts.append(on.isoformat())
    ext = exporters.output_extension(request.format, len(request.layers))
    return "_".join(parts) + "." + ext


def plan_export(session: Session, request: ExportRequest, on: date | None = None) -> Plan:
    """Check the request against the data (municipality known, run finished), count what
    each layer reads and name the file."""
    municipality_name = None
    if request.municipality:
        found = session.get(Municipality, request.municipality)
        if found is None:
            raise BadInput(f"unknown municipality {request.municipality!r} (a kommun code)")
        municipality_name = found.name
    params: dict[str, Any] = {"crs": request.crs, "municipality": request.municipality}
    scenario = None
    if request.run_id is not None:
        run = session.get(Run, request.run_id)
        if run is None:
            raise NotFound(f"no run with id {request.run_id}")
        if run.status != "finished":
            raise Conflict(f"run {run.id} has no result yet (status {run.status})")
        scenario = run.scenario_snapshot.get("name") or None
        sources = run_sources(request.municipality, request.category)
        params.update(
            run=run.id, category=request.category, outside=OUTSIDE_NAME, county=COUNTY_NAME
        )
    else:
        sources = layer_sources(request.municipality)
        params.update({f"category_{c}": c for c in CATEGORIES})
    chosen = [sources[layer] for layer in request.layers]
    counts = [int(session.execute(text(s.count), params).scalar_one()) for s in chosen]
    name = file_name(request, on or today(), scenario=scenario, municipality=municipality_name)
    return Plan(request, chosen, counts, name, params)


def finished_runs(session: Session, limit: int = 100) -> list[Run]:
    """The runs that can be exported, newest first."""
    query = select(Run).where(Run.status == "finished").order_by(Run.id.desc()).limit(limit)
    return list(session.scalars(query))


def municipality_choices(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every municipality, by name."""
    rows = session.execute(select(Municipality.code, Municipality.name).order_by(Municipality.name))
    return [(code, name) for code, name in rows]


# --- building the file ------------------------------------------------------------------

Progress = Callable[[float, str], None]


def _batches(
    session: Session, source: Source, params: dict[str, Any], done: Callable[[int], None]
) -> Iterator[pa.RecordBatch]:
    """The rows of a layer as Arrow batches, read with a server-side cursor."""
    schema = source.schema
    result = session.execute(
        text(source.select), params, execution_options={"yield_per": BATCH_ROWS}
    )
    for rows in result.partitions():
        columns = list(zip(*rows, strict=True))
        by_name = {f.name: columns[i] for i, f in enumerate(schema.fields)}
        yield exporters.record_batch(schema, by_name, columns[-1])
        done(len(rows))


def build(session: Session, plan: Plan, directory: Path, progress: Progress | None = None) -> Path:
    """Write the plan's layers into `directory`; returns the file. Progress is reported
    as 0..100 % of the rows read, with the layer being written as the step."""
    total = max(plan.features, 1)
    state = {"done": 0}
    layers = []
    for source, count in zip(plan.sources, plan.counts, strict=True):

        def done(rows: int, source: Source = source, count: int = count) -> None:
            # A gap layer reads a few dissolved rows for many cells: count the cells.
            state["done"] += count if source.single_row_batches else rows
            if progress is not None:
                progress(min(99.0, 100.0 * state["done"] / total), source.schema.name)

        layers.append(Layer(source.schema, _batches(session, source, plan.params, done)))
    request = plan.request
    return exporters.write(
        request.format,
        layers,
        directory,
        plan.basename,
        request.crs,
        csv_geometry=request.csv_geometry,
    )


def build_bytes(session: Session, plan: Plan) -> bytes:
    """A small export in memory, for answering the request directly."""
    with tempfile.TemporaryDirectory(prefix="export-") as tmp:
        return build(session, plan, Path(tmp)).read_bytes()


def media_type(name: str) -> str:
    return exporters.MEDIA_TYPES[name.rsplit(".", 1)[-1]]


# --- the audit log ---------------------------------------------------------------------------


def audit(
    session: Session,
    user: str | None,
    plan: Plan,
    mode: str,
    export_id: str | None = None,
) -> None:
    """Who exported what, when, with which filters, format and CRS. mode: direct (built in
    the request), background (a job was asked for) or download (a job's file fetched)."""
    session.add(
        AuditLog(
            user_name=user,
            table_name="exports",
            row_id=export_id or plan.file_name,
            action=AUDIT_ACTION,
            field=mode,
            new=plan.request.to_dict() | {"features": plan.features, "file": plan.file_name},
            context=plan.request.describe(),
        )
    )


def audit_download(session: Session, user: str | None, record: dict[str, Any]) -> None:
    session.add(
        AuditLog(
            user_name=user,
            table_name="exports",
            row_id=record["id"],
            action=AUDIT_ACTION,
            field="download",
            new=record["request"]
            | {"features": record.get("features"), "file": record["file_name"]},
            context=record.get("description"),
        )
    )


def audit_entries(session: Session, limit: int = 500) -> list[AuditLog]:
    query = (
        select(AuditLog)
        .where(AuditLog.action == AUDIT_ACTION)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def audit_json(entry: AuditLog) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat() if entry.at else None,
        "user": entry.user_name,
        "mode": entry.field,
        "export": entry.row_id,
        "request": entry.new,
        "description": entry.context,
    }


# --- background exports: records and files in PostgreSQL -------------------------------------
#
# A record is a row of `exports`; the finished file is in `export_chunks`, in pieces of
# CHUNK_BYTES. The web process creates the record (queued); the job updates it (running,
# progress, finished or failed), each change in its own short transaction, and stores the
# file with the finished status in one transaction, so a reader sees a whole file or none.
# Web and workers thus share nothing but PostgreSQL and Redis.

CHUNK_BYTES = 1024 * 1024  # about 60 pieces for the largest (Sweden-sized) export
_EXPORT_ID = re.compile(r"export-[0-9a-f]{24}")
_TIMES = ("created_at", "started_at", "finished_at", "expires_at")


def _checked_id(export_id: str) -> str:
    if not _EXPORT_ID.fullmatch(export_id):
        raise NotFound(f"no export {export_id}")
    return export_id


def _as_record(row: Export) -> dict[str, Any]:
    """The record as the API shows it (times as ISO text)."""
    record = {c.key: getattr(row, c.key) for c in Export.__table__.columns}
    for key in _TIMES:
        record[key] = record[key].isoformat() if record[key] else None
    return record


def read_record(session: Session, export_id: str) -> dict[str, Any] | None:
    row = session.get(Export, _checked_id(export_id), populate_existing=True)
    return _as_record(row) if row is not None else None


def update_record(session: Session, export_id: str, **changes: Any) -> dict[str, Any]:
    row = session.get(Export, _checked_id(export_id))
    if row is None:
        raise NotFound(f"no export {export_id}")
    for key, value in changes.items():
        setattr(row, key, value)
    session.flush()
    return _as_record(row)


def _now() -> datetime:
    return datetime.now(UTC)


def _fingerprint(session: Session, run_id: int | None) -> list[Any]:
    """What changes when the exported data changes: imports, edits of sites, the grid."""
    row = session.execute(
        text(
            "SELECT (SELECT max(id) FROM data_imports),"
            " (SELECT count(*) FROM sites), (SELECT max(updated_at) FROM sites),"
            " (SELECT count(*) FROM municipalities), (SELECT max(updated_at) FROM municipalities),"
            " (SELECT count(*) FROM population_cells), (SELECT max(id) FROM population_cells),"
            " (SELECT sum(population) FROM population_cells),"
            " (SELECT finished_at FROM runs WHERE id = :run)"
        ),
        {"run": run_id},
    ).one()
    return [str(v) for v in row]


def export_id_for(session: Session, request: ExportRequest) -> str:
    """The same request over the same data gives the same id, so it is built once."""
    key = json.dumps(
        {"request": request.to_dict(), "data": _fingerprint(session, request.run_id)},
        sort_keys=True,
    )
    return "export-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def _has_file(session: Session, export_id: str) -> bool:
    query = select(ExportChunk.seq).where(ExportChunk.export_id == export_id).limit(1)
    return session.execute(query).first() is not None


def record_state(record: dict[str, Any], job_state: str | None, now: datetime) -> dict[str, Any]:
    """The record as users see it: failed when RQ says the job died (or forgot a queued job
    long ago), expired after its time."""
    shown = dict(record)
    status = record["status"]
    created = datetime.fromisoformat(record["created_at"])
    if status in ("queued", "running") and (
        job_state in ("failed", "stopped", "canceled")
        or (job_state is None and (now - created).total_seconds() > LOST_AFTER_S)
    ):
        shown["status"] = "failed"
        shown["error"] = record.get("error") or (
            "the worker stopped unexpectedly; start the export again"
        )
    expires = record.get("expires_at")
    if status == "finished" and expires and now >= datetime.fromisoformat(expires):
        shown["status"] = "expired"
    return shown


def start_background(
    session: Session,
    request: ExportRequest,
    user: str | None,
    job_state: Callable[[str], str | None],
) -> tuple[dict[str, Any], bool]:
    """The record of a background export of `request` and whether a job must be enqueued:
    a queued, running or finished (unexpired) export of the same request and data is
    reused. `job_state` is RQ's state of a job id. The record and the audit are written in
    the caller's transaction."""
    purge_expired(session)
    plan = plan_export(session, request)
    export_id = export_id_for(session, request)
    # Two requests for the same export at once: the second waits here for the first.
    advisory_xact_lock(session, export_id)
    record = read_record(session, export_id)
    now = _now()
    reusable = False
    if record is not None:
        status = record_state(record, job_state(export_id), now)["status"]
        reusable = status in ("queued", "running") or (
            status == "finished" and _has_file(session, export_id)
        )
    if not reusable:
        row = session.get(Export, export_id)
        if row is None:
            row = Export(id=export_id)
            session.add(row)
        fresh: dict[str, Any] = {
            "status": "queued",
            "progress": 0.0,
            "step": None,
            "error": None,
            "request": request.to_dict(),
            "description": request.describe(),
            "features": plan.features,
            "file_name": plan.file_name,
            "size_bytes": None,
            "created_by": user,
            "created_at": now,
            "started_at": None,
            "finished_at": None,
            "expires_at": None,
            "attempts": 0,
        }
        for key, value in fresh.items():
            setattr(row, key, value)
        session.execute(delete(ExportChunk).where(ExportChunk.export_id == export_id))
        session.flush()
        record = _as_record(row)
    audit(session, user, plan, "background", export_id)
    assert record is not None
    return record, not reusable


def mark_running(
    session: Session, export_id: str, request_data: Mapping[str, Any]
) -> dict[str, Any]:
    """The job starts (again): running, one more attempt. A job enqueued without a record
    (by hand) gets one."""
    request = ExportRequest.from_dict(request_data)
    row = session.get(Export, _checked_id(export_id))
    if row is None:
        plan = plan_export(session, request)
        row = Export(
            id=export_id,
            request=request.to_dict(),
            description=request.describe(),
            features=plan.features,
            file_name=plan.file_name,
            created_at=_now(),
            attempts=0,
        )
        session.add(row)
    row.status, row.progress, row.step, row.error = "running", 1.0, None, None
    row.started_at = _now()
    row.attempts = (row.attempts or 0) + 1
    session.flush()
    return _as_record(row)


def build_file(
    session: Session,
    record: Mapping[str, Any],
    directory: Path,
    progress: Progress | None = None,
) -> Path:
    """Build a background export's file into `directory` (a local scratch folder of the
    worker), under the record's file name. Running it again builds the same file."""
    plan = plan_export(session, ExportRequest.from_dict(record["request"]))
    plan.file_name = record["file_name"]
    return build(session, plan, directory, progress)


def store_file(session: Session, export_id: str, path: Path) -> dict[str, Any]:
    """Put the built file into the database, replacing any earlier one, and mark the export
    finished, in the caller's transaction. Read and written a piece at a time."""
    row = session.get(Export, _checked_id(export_id))
    if row is None:  # purged while it was being built
        raise NotFound(f"no export {export_id}")
    session.execute(delete(ExportChunk).where(ExportChunk.export_id == export_id))
    size = 0
    with path.open("rb") as stream:
        for seq, piece in enumerate(iter(lambda: stream.read(CHUNK_BYTES), b"")):
            session.execute(insert(ExportChunk).values(export_id=export_id, seq=seq, data=piece))
            size += len(piece)
    finished = _now()
    row.status, row.progress, row.step, row.error = "finished", 100.0, None, None
    row.size_bytes = size
    row.finished_at = finished
    row.expires_at = finished + timedelta(seconds=EXPORT_TTL_S)
    session.flush()
    return _as_record(row)


def set_progress(session: Session, export_id: str, percent: float, step: str) -> None:
    session.execute(
        update(Export).where(Export.id == export_id).values(progress=round(percent, 1), step=step)
    )


def mark_failed(session: Session, export_id: str, error: str, retrying: bool) -> None:
    session.execute(
        update(Export)
        .where(Export.id == export_id)
        .values(
            status="queued" if retrying else "failed",
            step="waiting to retry" if retrying else None,
            error=error,
        )
    )


def downloadable(session: Session, record: dict[str, Any], job_state: str | None) -> None:
    """Nothing when the export's file can be downloaded, else the reason why not."""
    shown = record_state(record, job_state, _now())
    if shown["status"] == "expired":
        raise ExportGone(f"export {record['id']} has expired; start it again")
    if shown["status"] != "finished":
        raise Conflict(f"export {record['id']} is not ready (status {shown['status']})")
    if not _has_file(session, record["id"]):
        raise ExportGone(f"the file of export {record['id']} is gone; start it again")


def file_pieces(session: Session, export_id: str) -> Iterator[bytes]:
    """The stored file, a piece at a time, from one snapshot (a server-side cursor)."""
    query = (
        select(ExportChunk.data).where(ExportChunk.export_id == export_id).order_by(ExportChunk.seq)
    )
    result = session.execute(query, execution_options={"yield_per": 1})
    try:
        for (piece,) in result:
            yield bytes(piece)
    finally:
        result.close()  # also when the reader stops early (a range, a dropped connection)


def recent_records(session: Session) -> list[dict[str, Any]]:
    """The background exports still on record, newest first."""
    rows = session.scalars(select(Export).order_by(Export.created_at.desc(), Export.id))
    return [_as_record(row) for row in rows]


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete the records and files of exports past their time: finished ones after
    EXPORT_TTL_S from finishing, others after EXPORT_TTL_S from their start. In the
    caller's transaction."""
    now = now or _now()
    ends = func.coalesce(Export.expires_at, Export.created_at + timedelta(seconds=EXPORT_TTL_S))
    return len(session.execute(delete(Export).where(ends <= now).returning(Export.id)).all())


# --- the web's use-cases, each its own transaction --------------------------------------


def direct_file(session: Session, plan: Plan, user: str | None) -> bytes:
    """An export built while the request waits, audited (mode "direct") and committed."""
    data = build_bytes(session, plan)
    audit(session, user, plan, "direct")
    session.commit()
    return data


def start_export(
    session: Session,
    request: ExportRequest,
    user: str | None,
    job_state: Callable[[str], str | None],
    enqueue: Callable[[str, dict[str, Any]], object],
) -> dict[str, Any]:
    """A background export (start_background): the record and the audit row committed
    before the job looks for them, then `enqueue(export id, request)` when a new job is
    needed. When the queue went away just now (Unavailable) the record says so, committed,
    and the error goes on to the caller."""
    record, needed = start_background(session, request, user, job_state)
    session.commit()
    if needed:
        try:
            enqueue(record["id"], request.to_dict())
        except Unavailable:
            mark_failed(session, record["id"], "the job queue (Redis) was down", False)
            session.commit()
            raise
    return record


def open_download(
    session: Session, user: str | None, record: dict[str, Any], job_state: str | None
) -> Iterator[bytes]:
    """The finished export's file (else why not: downloadable), its download audited and
    committed; the pieces come from one snapshot, which ends with the last piece (not when
    the response object is collected: an idle transaction keeps its table locks)."""
    downloadable(session, record, job_state)
    audit_download(session, user, record)
    session.commit()
    return _to_the_end(session, file_pieces(session, record["id"]))


def _to_the_end(session: Session, pieces: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from pieces
    finally:
        session.rollback()


def purge_now(session: Session) -> int:
    """purge_expired, committed (the export page tidies up as it opens)."""
    purged = purge_expired(session)
    session.commit()
    return purged
