"""What is asked for: an export request parsed and checked against the data, its layers
counted (direct or background), and the file named."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata import exporters
from geodata.exporters import LayerSchema
from resilience.config import LOCAL_TZ
from resilience.crs import parse_epsg
from resilience.errors import BadInput, Conflict
from resilience.models import Run
from resilience.services import lookup
from resilience.services.closed_roads import closure_wkb
from resilience.services.exports.map_sources import layer_ids, layer_sources
from resilience.services.exports.result_sources import (
    COUNTY_NAME,
    OUTSIDE_NAME,
    RUN_LAYER_IDS,
    run_sources,
)
from resilience.services.exports.source import Source
from resilience.services.layers import municipality_code
from resilience.services.run_clock import run_hour_zero
from resilience.vocabulary import CATEGORY, SWEREF99TM, WGS84, category_names

# Up to this many features (summed over the layers; for gap polygons, the cells dissolved)
# an export is built while the request waits: ~1 s for a GeoPackage on a 2-core machine,
# and the built-in Västerbotten data (~3,300 features) stays well below it. A 250,000-cell
# grid, or the cells of a run over it, goes to a worker.
DIRECT_MAX_FEATURES = 20_000
CRSS = (SWEREF99TM, WGS84)
COUNTY_SLUG = "vasterbotten"


def schemas() -> dict[str, list[LayerSchema]]:
    """Every layer's schema, for the documentation of the Shapefile field names."""
    return {
        "layers": [s.schema for s in layer_sources(None).values()],
        "run": [s.schema for s in run_sources(None, None).values()],
    }


def schema_ids() -> dict[str, dict[str, str]]:
    """Per group ("layers", "run"), each layer's name in the files → its id, which names
    it in the page's language (web/names.py "layer" and "run_layer")."""
    return {
        "layers": {s.schema.name: key for key, s in layer_sources(None).items()},
        "run": {s.schema.name: key for key, s in run_sources(None, None).items()},
    }


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
    layers: tuple[str, ...] = field(default_factory=layer_ids)
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
        categories = category_names()
        if category is not None and category not in categories:
            raise BadInput(f"unknown category {category!r}; use one of {', '.join(categories)}")
        known = RUN_LAYER_IDS if run_id is not None else layer_ids()
        named = _names(values.get("layers"))
        unknown = [n for n in named if n not in known]
        if unknown:
            raise BadInput(f"unknown layers {', '.join(unknown)}; use any of {', '.join(known)}")
        if run_id is None and category:
            named = [n for n in named or [category] if n not in categories or n == category]
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
    """vasterbotten_<what>[_<kommun>][_<category>][_wgs84]_<date>.<ext>, in ASCII, e.g.
    vasterbotten_korning-12_stormen-ylva_2026-11-26.gpkg or vasterbotten_lager_2026-11-26.gpkg;
    <what> is korning-<run id>_<scenario> for a run (with the layers' names when not all
    of them), a single layer's name, or lager."""
    parts = [COUNTY_SLUG]
    if request.run_id is not None:
        parts.append(f"korning-{request.run_id}")
        if scenario:
            parts.append(slugify(scenario))
        if request.layers != RUN_LAYER_IDS:
            names = run_sources(None, None)
            parts.append("-".join(names[layer].schema.name for layer in request.layers))
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
    municipality_name = lookup.municipality_name(session, request.municipality)
    if request.municipality and municipality_name is None:
        raise BadInput(f"unknown municipality {request.municipality!r} (a kommun code)")
    params: dict[str, Any] = {"crs": request.crs, "municipality": request.municipality}
    scenario = None
    if request.run_id is not None:
        run = lookup.get_or_404(session, Run, request.run_id, "run")
        if run.status != "finished":
            raise Conflict(f"run {run.id} has no result yet (status {run.status})")
        scenario = run.scenario_snapshot.get("name") or None
        sources = run_sources(request.municipality, request.category)
        params.update(
            run=run.id, category=request.category, outside=OUTSIDE_NAME, county=COUNTY_NAME
        )
        params["closures"] = closure_wkb(run.scenario_snapshot)
        # Hour 0 on the clock, to the second: every hour exported is also a clock time.
        zero = run_hour_zero(session, run).replace(microsecond=0)
        params.update(zero=zero, tz=LOCAL_TZ.key)
    else:
        sources = layer_sources(request.municipality)
        params.update({f"category_{c}": c for c in category_names()})
    chosen = [sources[layer] for layer in request.layers]
    counts = [int(session.execute(text(s.count), params).scalar_one()) for s in chosen]
    name = file_name(request, on or today(), scenario=scenario, municipality=municipality_name)
    return Plan(request, chosen, counts, name, params)


def finished_runs(session: Session, limit: int = 100) -> list[Run]:
    """The runs that can be exported, newest first."""
    query = select(Run).where(Run.status == "finished").order_by(Run.id.desc()).limit(limit)
    return list(session.scalars(query))
