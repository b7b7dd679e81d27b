"""An approximate network of Västerbotten's numbered roads for the built-in data set.

Each road links the demo's real localities (localities.py) in the order the road passes
them, straight from one to the next, at the road's usual speed; where a road goes on to a
place the demo has no locality for (Tärnaby, Hemavan, Ammarnäs in the mountains), a road
point with that place's approximate position ends it. Every locality that no numbered road
passes gets a local road (unclassified, 50 km/h) to the nearest node of a numbered road.

Approximate, drawn from public road maps (Trafikverket's road numbers, the roads' public
descriptions): which roads pass which places, not their course. No road data was copied.
See README.md, "Roads".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from geodata.demo.facts import SEAT_LONLAT
from geodata.demo.localities import Locality
from geodata.loaders.roads import RoadRecord
from resilience.crs import transformer
from resilience.vocabulary import SWEREF99TM, WGS84

# Road points beyond the demo's localities: (lon, lat), approximate.
ROAD_POINTS: dict[str, tuple[float, float]] = {
    "Tärnaby": (15.263, 65.716),
    "Hemavan": (15.090, 65.815),
    "Ammarnäs": (16.207, 65.958),
}
LOCAL_CLASS, LOCAL_SPEED_KMH = "unclassified", 50.0


@dataclass(frozen=True)
class Stretch:
    """Part of a numbered road: the places it passes, in order, its class and speed."""

    places: tuple[str, ...]
    road_class: str
    speed_kmh: float


# name → its stretches. E-roads are trunk roads (the E4 a motorway near Umeå), the national
# roads (riksvägar) primary, the county roads (länsvägar) secondary.
NUMBERED_ROADS: dict[str, tuple[Stretch, ...]] = {
    "E4": (
        Stretch(("Lögdeå", "Nordmaling", "Hörnefors"), "trunk", 90.0),
        Stretch(("Hörnefors", "Umeå", "Sävar"), "motorway", 110.0),
        Stretch(
            ("Sävar", "Ånäset", "Lövånger", "Bureå", "Skellefteå", "Kåge", "Byske"),
            "trunk",
            90.0,
        ),
    ),
    "E12": (
        Stretch(
            ("Holmsund", "Umeå", "Vännäsby", "Lycksele", "Storuman", "Tärnaby", "Hemavan"),
            "trunk",
            90.0,
        ),
    ),
    "E45": (Stretch(("Dorotea", "Vilhelmina", "Storuman", "Sorsele"), "trunk", 90.0),),
    "Väg 92": (Stretch(("Vännäsby", "Bjurholm", "Åsele", "Dorotea"), "primary", 90.0),),
    "Väg 95": (Stretch(("Skellefteå", "Medle", "Boliden"), "primary", 80.0),),
    "Väg 363": (Stretch(("Umeå", "Vindeln", "Sorsele", "Ammarnäs"), "secondary", 70.0),),
    "Väg 364": (Stretch(("Umeå", "Burträsk", "Skellefteå"), "secondary", 70.0),),
    "Väg 365": (Stretch(("Åsele", "Lycksele", "Norsjö"), "secondary", 70.0),),
    "Väg 370": (Stretch(("Boliden", "Norsjö", "Malå", "Sorsele"), "secondary", 70.0),),
}

STORUMAN = "2421"  # the municipality whose seat the closed E12 stretch starts from


def place_points(localities: Sequence[Locality]) -> dict[str, tuple[float, float]]:
    """EPSG:3006 position of every place a road names: the localities (the largest of a
    name), then the road points."""
    points: dict[str, tuple[float, float]] = {}
    for loc in sorted(localities, key=lambda loc: -loc.population):
        points.setdefault(loc.name, (loc.x, loc.y))
    fwd = transformer(WGS84, SWEREF99TM)
    for name, (lon, lat) in ROAD_POINTS.items():
        x, y = fwd.transform(lon, lat)
        points.setdefault(name, (float(x), float(y)))
    return points


def build_roads(localities: Sequence[Locality]) -> list[RoadRecord]:
    """The demo's roads: a line per stretch between consecutive places of a numbered road,
    then a local road for each locality no numbered road passes."""
    points = place_points(localities)
    records: list[RoadRecord] = []
    on_road: set[str] = set()
    for name, stretches in NUMBERED_ROADS.items():
        for stretch in stretches:
            missing = [p for p in stretch.places if p not in points]
            if missing:
                raise ValueError(f"{name} names places the demo lacks: {', '.join(missing)}")
            on_road.update(stretch.places)
            for a, b in zip(stretch.places, stretch.places[1:], strict=False):
                records.append(
                    RoadRecord(
                        shapely.LineString([points[a], points[b]]),
                        stretch.road_class,
                        stretch.speed_kmh,
                        f"demo-{name.replace(' ', '').lower()}-{a}-{b}",
                        name,
                    )
                )
    nodes = sorted(on_road)
    xy = np.array([points[n] for n in nodes])
    for loc in sorted(localities, key=lambda loc: (loc.code, loc.name)):
        if loc.name in on_road:
            continue
        distance = np.hypot(xy[:, 0] - loc.x, xy[:, 1] - loc.y)
        nearest = nodes[int(np.argmin(distance))]
        records.append(
            RoadRecord(
                shapely.LineString([(loc.x, loc.y), points[nearest]]),
                LOCAL_CLASS,
                LOCAL_SPEED_KMH,
                f"demo-local-{loc.name}",
                f"{loc.name}–{nearest}",
            )
        )
    return records


def e12_closure(half_side_m: float = 2_000.0) -> shapely.Polygon:
    """A square across the E12 halfway between Storuman (its seat's position; the
    locality lies within a few hundred metres of it) and Tärnaby, EPSG:3006."""
    fwd = transformer(WGS84, SWEREF99TM)
    ax, ay = fwd.transform(*SEAT_LONLAT[STORUMAN])
    bx, by = fwd.transform(*ROAD_POINTS["Tärnaby"])
    mx, my = (ax + bx) / 2, (ay + by) / 2
    return shapely.box(mx - half_side_m, my - half_side_m, mx + half_side_m, my + half_side_m)
