"""OGC API - Features: what is served. The media types, the CRSs (CRS84 and EPSG:3006 with
their axis order), the collections (views of migration 0005; a site category's from its
vocabulary entry) and the conformance classes."""

from __future__ import annotations

from dataclasses import dataclass

from resilience.errors import BadInput, NotFound
from resilience.vocabulary import CATEGORY, SWEREF99TM, WGS84, Category

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)
DEFAULT_LIMIT = 100
MAX_BIGINT = 2**63 - 1
MAX_LIMIT = 10_000
GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
# Part 5's link relation from a collection to the schema of its features.
REL_SCHEMA = "http://www.opengis.net/def/rel/ogc/1.0/schema"


@dataclass(frozen=True)
class Crs:
    """A CRS we serve: its OGC URI, the SRID in PostGIS, decimals to keep (about 1 cm) and
    whether its first axis is northing (then coordinates are swapped from PostGIS's x, y)."""

    uri: str
    srid: int
    digits: int
    northing_first: bool
    aliases: tuple[str, ...] = ()  # short forms accepted in crs and bbox-crs


CRS84 = Crs(
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    WGS84,  # PostGIS's 4326 is lon, lat: the axis order of CRS84
    7,
    northing_first=False,
    aliases=("CRS84", "OGC:CRS84", "[OGC:CRS84]", "urn:ogc:def:crs:OGC:1.3:CRS84"),
)
SWEREF = Crs(
    "http://www.opengis.net/def/crs/EPSG/0/3006",
    SWEREF99TM,
    2,
    northing_first=True,
    aliases=("EPSG:3006", "[EPSG:3006]", "urn:ogc:def:crs:EPSG::3006"),
)
CRSES = (CRS84, SWEREF)


def parse_crs(value: str | None, name: str = "crs") -> Crs:
    """A supported CRS from its URI (http or https) or a common short form; else 400."""
    if value is None or value == "":
        return CRS84
    plain = value.strip().replace("https://", "http://", 1)
    for crs in CRSES:
        if plain == crs.uri or plain in crs.aliases:
            return crs
    supported = ", ".join(c.uri for c in CRSES)
    raise BadInput(f"{name} {value!r} is not supported; use one of {supported}")


@dataclass(frozen=True)
class Collection:
    id: str
    view: str  # a view of migration 0005 (sites: 0008): `id`, properties, `geom` (EPSG:3006)
    title: str
    description: str
    geometry: str  # the GeoJSON type of every feature's geometry
    integer_ids: bool = True
    # Collections whose geometries include all of this one's: its extent is theirs (joining
    # a run's 250,000 cells to their geometry only for a bbox would take half a second).
    within: tuple[str, ...] = ()


_MUNICIPALITIES = Collection(
    "municipalities",
    "ogc_municipalities",
    "Kommuner",
    "Municipality boundaries; the feature id is the four-digit municipality code.",
    "MultiPolygon",
    integer_ids=False,
)
_POPULATION = Collection(
    "population",
    "ogc_population",
    "Befolkning (rutnät)",
    "Population grid cells (SCB style): lower-left corner x_ll, y_ll and cell_size in"
    " EPSG:3006 metres, population in inhabitants.",
    "Polygon",
)


_ROADS = Collection(
    "roads",
    "ogc_roads",
    "Vägar",
    "The road network the coverage model travels over (issue 21): name, road_class, its own"
    " speed_kmh (null: none stored) and speed_kmh_used (its own, else its class's speed).",
    "LineString",
)


def site_collection(category: Category) -> Collection:
    """A site category's collection: id, view, title and description from its entry."""
    return Collection(
        category.collection, category.view, category.title, category.description, "Point"
    )


def catalog() -> dict[str, Collection]:
    """Every collection by id, the site categories' as the vocabulary has them now (one per
    category, in its order; a category registered later is served too)."""
    sites = [site_collection(c) for c in CATEGORY.values()]
    collections = (
        _MUNICIPALITIES,
        _POPULATION,
        *sites,
        _ROADS,
        Collection(
            "latest-run-sites",
            "ogc_latest_run_sites",
            "Senaste körningen: platser",
            "Care, food and energy sites in the newest finished run: status (grid, backup,"
            " partial, none), hours without power before and after generator dispatch, the"
            " assigned generator and its arrival in hours.",
            "Point",
            within=tuple(s.id for s in sites),
        ),
        Collection(
            "latest-run-cells",
            "ogc_latest_run_cells",
            "Senaste körningen: rutor",
            "Populated grid cells in the newest finished run: travel minutes to food, care and"
            " a warm shelter (null: none reachable), baseline and scenario, coverage flags and"
            " new_*_gap where the baseline was covered.",
            "Polygon",
            within=("population",),
        ),
    )
    return {c.id: c for c in collections}


def collection_of(collection_id: str) -> Collection:
    try:
        return catalog()[collection_id]
    except KeyError:
        raise NotFound(f"no collection {collection_id!r}") from None
