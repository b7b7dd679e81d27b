"""Named, realistic scenarios that come with the built-in data, so a new user sees a
meaningful result in one click. Built from the municipality boundaries (EPSG:3006)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geodata.demo.facts import HEAT_PLANTS, SEAT_LONLAT
from geodata.demo.roads import e12_closure
from geodata.records import BoundaryRecord
from resilience.crs import transformer
from resilience.vocabulary import SWEREF99TM, WGS84

# The inland municipalities ("inlandet") and the mountain ones ("fjällen").
INLAND = ("2418", "2421", "2422", "2425", "2462", "2463", "2481")
MOUNTAINS = ("2421", "2422", "2462")
DAVA = "Dåva kraftvärmeverk"
DAVA_OUTAGE_M = 1_500  # the radius of the outage around Dåva: the plant, not the city


def _seat(code: str) -> shapely.Point:
    lon, lat = SEAT_LONLAT[code]
    return shapely.Point(*transformer(WGS84, SWEREF99TM).transform(lon, lat))


def _plant(name: str) -> shapely.Point:
    [plant] = [p for p in HEAT_PLANTS if p.name == name]
    assert plant.lon is not None and plant.lat is not None
    return shapely.Point(*transformer(WGS84, SWEREF99TM).transform(plant.lon, plant.lat))


def _multi(geom: BaseGeometry) -> dict[str, Any]:
    geom = shapely.simplify(geom, 200)  # a drawn-by-hand level of detail
    if isinstance(geom, shapely.Polygon):
        geom = shapely.MultiPolygon([geom])
    return mapping(geom)


def builtin_scenarios(municipalities: Sequence[BoundaryRecord]) -> list[dict[str, Any]]:
    """Scenario files (coverage-model.md, "Scenario file") in EPSG:3006."""
    by_code = {m.code: m.geom for m in municipalities}
    if not set(INLAND) <= set(by_code) or "2482" not in by_code or "2480" not in by_code:
        return []  # other boundaries than Västerbotten's: no built-in scenarios
    inland = shapely.union_all([by_code[c] for c in INLAND])
    mountains = shapely.union_all([by_code[c] for c in MOUNTAINS])
    skelleftea_coast = by_code["2482"].intersection(_seat("2482").buffer(30_000))
    umea_centre = by_code["2480"].intersection(_seat("2480").buffer(8_000))
    dava = by_code["2480"].intersection(_plant(DAVA).buffer(DAVA_OUTAGE_M))
    return [
        {
            "name": "Snöstorm över inlandet: 48 h elavbrott, röd varning",
            "description": "Vind i kombination med snöfall. Elnätet i inlandskommunerna ligger"
            " nere i två dygn; röd varning i fjällen, orange i resten av inlandet.",
            "crs": f"EPSG:{SWEREF99TM}",
            "outage": {"duration_hours": 48, "areas": _multi(inland)},
            "snow_zones": [
                {"level": "orange", "geometry": _multi(inland.buffer(5_000))},
                {"level": "red", "geometry": _multi(mountains)},
            ],
            # The red zone closes every road it touches (coverage-model.md, "Roads (v3)").
            "parameters": {"closure_level": "red"},
        },
        {
            "name": "Skellefteå kust: 12 h elavbrott",
            "description": "Avbrott i regionnätet längs kusten kring Skellefteå; gul varning"
            " för snöfall.",
            "crs": f"EPSG:{SWEREF99TM}",
            "outage": {"duration_hours": 12, "areas": _multi(skelleftea_coast)},
            "snow_zones": [
                {"level": "yellow", "geometry": _multi(skelleftea_coast.buffer(10_000))}
            ],
        },
        {
            "name": "Umeå centrum: 24 h elavbrott",
            "description": "Brand i ställverk; centrala Umeå utan ström i ett dygn, inget snöfall.",
            "crs": f"EPSG:{SWEREF99TM}",
            "outage": {"duration_hours": 24, "areas": _multi(umea_centre)},
        },
        {
            "name": "Dåva kraftvärmeverk: 48 h elavbrott, Umeå utan fjärrvärme",
            "description": "Elavbrott i två dygn kring Dåva kraftvärmeverk öster om Umeå."
            " Staden har ström, men verkets reservkraft räcker inte för driften: byggnader"
            " på fjärrvärmenätet utanför avbrottet kallnar, äldreboenden först.",
            "crs": f"EPSG:{SWEREF99TM}",
            "outage": {"duration_hours": 48, "areas": _multi(dava)},
        },
        {
            "name": "E12 stängd Storuman–Tärnaby",
            "description": "Ras och snöoväder: E12 är avstängd mellan Storuman och Tärnaby i"
            " två dygn. Tärnaby, Hemavan och byarna i västra Storumans kommun når varken"
            " vårdcentral, sjukhus eller butik i Storuman på väg; inget elavbrott.",
            "crs": f"EPSG:{SWEREF99TM}",
            "outage": {"duration_hours": 48},
            "road_closures": _multi(e12_closure()),
        },
    ]
