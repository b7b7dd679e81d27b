"""Care, power, food, energy and utility sites of the demo: the three real hospitals and
the three large district heating plants at approximate locations, a district heating plant
in every other seat, and synthetic sites placed around real localities in proportion to
their population (care for the elderly in proportion to the municipality's people aged
65+). Then (v2) how each care, food and energy site is heated and by which plant, a few
explicit cooling time constants, and the food sites' stocks.

Every record says in `source` whether its location is real (REAL) or made up (SYNTHETIC);
all loads, backup power, fuel, heating and stock figures are synthetic."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geodata.demo.facts import FACTS_BY_CODE, HEAT_PLANTS, HOSPITALS, MunicipalityFacts
from geodata.demo.localities import Locality, anchor
from geodata.demo.names import DISTRICTS, ELDERLY_HOMES, SCHOOLS, STREETS
from geodata.demo.population import kernel_sigma_m
from geodata.records import BoundaryRecord, SiteRecord
from resilience.crs import transformer
from resilience.vocabulary import (
    CATEGORIES,
    DISTRICT_HEATING,
    DISTRICT_HEATING_PLANT,
    HEATED_CATEGORIES,
    SWEREF99TM,
    WGS84,
)

REAL = "demo-real"  # a real facility at an approximate real location
SYNTHETIC = "demo-synthetic"  # made up, placed around a real locality
SITE_MARGIN_M = 100.0  # sites stay this far inside their municipality

# People aged 65+ per synthetic care site of each kind (Sweden has roughly one
# särskilt boende of 30-40 places per 700 people aged 65+).
AGED_PER_ELDERLY_HOME = 700
AGED_PER_GROUP_HOME = 900
AGED_PER_HOME_CARE_BASE = 1_500
# Inhabitants per food store and school of a locality.
PEOPLE_PER_SUPERMARKET = 6_000
SUPERMARKET_MIN_PEOPLE = 2_500
PEOPLE_PER_GROCERY = 3_000
GROCERY_MIN_PEOPLE = 300
PEOPLE_PER_SCHOOL = 2_500
# A village store (lanthandel) per this many people living beyond RURAL_DISTANCE_M of
# every locality, at most MAX_VILLAGE_STORES per municipality, VILLAGE_SPACING_M apart.
RURAL_PER_VILLAGE_STORE = 1_500
RURAL_DISTANCE_M = 5_000.0
MAX_VILLAGE_STORES = 4
VILLAGE_SPACING_M = 10_000.0
# The county's fuel hubs: E4 at the coast, E12 and E45 inland.
FUEL_DEPOT_CODES = frozenset({"2421", "2462", "2480", "2481", "2482"})
# Region Västerbotten's folk high schools.
FOLK_HIGH_SCHOOL_CODES = frozenset({"2404", "2421"})

# kind: (heated area m², energy use kWh per m² and year, default Styrel priority 1-8)
ENERGY_PROFILES: dict[str, tuple[tuple[int, int], tuple[int, int], int]] = {
    "school": ((1_500, 9_000), (120, 180), 6),
    "sports_hall": ((1_200, 3_500), (110, 170), 7),
    "swimming_pool": ((2_000, 6_000), (400, 700), 8),
    "office": ((1_500, 12_000), (100, 150), 4),
    "other": ((500, 3_000), (90, 200), 6),
}
HEATING = ("district_heating", "heat_pump", "biofuel", "electricity", "oil")
# Every tätort of some size in the county has district heating; villages mostly do not.
HEATING_TOWN = (0.80, 0.10, 0.05, 0.05, 0.0)
HEATING_VILLAGE = (0.20, 0.35, 0.20, 0.20, 0.05)
TOWN_PEOPLE = 1_500

# District heating plants by size: (critical load kW, backup kW, fuel hours); assumptions
# (README). Large plants have backup for their critical load; Dåva's covers its control
# systems and part of the pumps only (less than its load: no backup in step 1). A small
# plant has backup with probability SMALL_PLANT_BACKUP.
PLANT_POWER: dict[str, tuple[float, float | None, float | None]] = {
    "large": (3_000.0, 3_600.0, 36.0),
    "medium": (800.0, 1_000.0, 24.0),
    "small": (250.0, None, None),
}
PLANT_POWER_BY_NAME: dict[str, tuple[float, float | None, float | None]] = {
    "Dåva kraftvärmeverk": (3_500.0, 1_200.0, 24.0),
}
SMALL_PLANT_BACKUP = (0.3, 300.0, 12.0)  # probability, kW, hours
# Share of district-heated buildings whose heat_plant is given; the others are left to the
# model's nearest-plant rule (in Umeå it picks Dåva or Ersboda, whichever is nearer).
HEAT_PLANT_GIVEN = {"2480": 0.75}
HEAT_PLANT_GIVEN_ELSEWHERE = 0.4
# Heating of care and food sites: in the seat (which has the district heating network) and
# elsewhere, as (heating, probability). Energy buildings keep their drawn heating, but
# outside the seat a drawn district heating becomes biofuel (a local närvärme boiler).
CARE_HEATING_SEAT = (("district_heating", 0.85), ("heat_pump", 0.1), ("electricity", 0.05))
CARE_HEATING_ELSEWHERE = (("heat_pump", 0.45), ("electricity", 0.3), ("biofuel", 0.25))
FOOD_HEATING_SEAT = {
    "supermarket": (("district_heating", 0.7), ("heat_pump", 0.2), ("electricity", 0.1)),
    "warehouse": (("district_heating", 0.7), ("heat_pump", 0.2), ("electricity", 0.1)),
    "grocery": (("district_heating", 0.5), ("electricity", 0.3), ("heat_pump", 0.2)),
}
FOOD_HEATING_ELSEWHERE = (("electricity", 0.6), ("heat_pump", 0.4))
# An explicit thermal time constant for this share of care and energy sites (hours, drawn
# in TAU_RANGE); the rest are null: the kind's default of the coverage model applies.
TAU_SHARE = 0.1
TAU_RANGE = (30, 110)
# Food stock in person-days = people served × days of stock (README): per kind, (people,
# (days low, high)); a warehouse serves its municipality, split between its warehouses.
STOCK_PROFILES: dict[str, tuple[int, tuple[float, float]]] = {
    "supermarket": (4_000, (2.0, 4.0)),
    "grocery": (1_200, (1.5, 3.0)),
    "village_store": (400, (3.0, 6.0)),
    "warehouse": (0, (3.0, 6.0)),
}
STOCK_UNKNOWN = 0.15  # stores (not warehouses) whose stock is null: unknown


@dataclass(frozen=True, eq=False)  # holds arrays: compare by identity
class Area:
    """A municipality prepared for placing sites: the part SITE_MARGIN_M inside it, its
    localities (seat first) and its populated cells (centres, EPSG:3006)."""

    boundary: BoundaryRecord
    inner: shapely.Geometry
    localities: tuple[Locality, ...]
    cell_x: np.ndarray
    cell_y: np.ndarray
    cell_pop: np.ndarray

    @property
    def facts(self) -> MunicipalityFacts:
        return FACTS_BY_CODE[self.boundary.code]

    @property
    def seat(self) -> Locality:
        return self.localities[0]


def make_area(
    boundary: BoundaryRecord,
    localities: Sequence[Locality],
    cell_x: np.ndarray,
    cell_y: np.ndarray,
    cell_pop: np.ndarray,
) -> Area:
    inner = shapely.buffer(boundary.geom, -SITE_MARGIN_M)
    shapely.prepare(inner)
    ours = sorted(
        (loc for loc in localities if loc.code == boundary.code),
        key=lambda loc: (not loc.is_seat, -loc.population, loc.name),
    )
    return Area(boundary, inner, tuple(ours), cell_x, cell_y, cell_pop)


# --- placing and naming -------------------------------------------------------------


def place(
    rng: np.random.Generator, area: Area, x: float, y: float, radius: float
) -> tuple[float, float]:
    """A whole-metre point uniformly within radius of (x, y) and inside the area; (x, y)
    itself if twenty draws miss (callers pass points inside)."""
    for _ in range(20):
        r, a = radius * np.sqrt(rng.random()), 2 * np.pi * rng.random()
        px, py = round(x + r * np.cos(a)), round(y + r * np.sin(a))
        if shapely.contains_xy(area.inner, px, py):
            return float(px), float(py)
    return float(round(x)), float(round(y))


def spread(loc: Locality) -> float:
    """How far from a locality's point its sites may lie (m)."""
    return 1.2 * float(kernel_sigma_m(loc.population))


def by_population(rng: np.random.Generator, area: Area, n: int) -> list[Locality]:
    """n localities drawn with replacement, weighted by population."""
    weights = np.array([loc.population for loc in area.localities], dtype=float)
    picks = rng.choice(len(area.localities), size=n, p=weights / weights.sum())
    return [area.localities[i] for i in picks]


def stems(rng: np.random.Generator, pool: Sequence[str], n: int) -> list[str]:
    """n names from pool in random order, numbered when the pool runs out."""
    order = rng.permutation(len(pool))
    return [
        pool[order[i % len(pool)]] + (f" {i // len(pool) + 1}" if i >= len(pool) else "")
        for i in range(n)
    ]


def numbered(base: str, k: int, n: int) -> str:
    """Name the k-th (from 0) of n alike: "Matbutik Umeå 3" if several, else "Matbutik Umeå"."""
    return f"{base} {k + 1}" if n > 1 else base


def site(
    kind: str,
    name: str,
    xy: tuple[float, float],
    loc: Locality | None,
    numbers: dict[str, float | int | None],
    owner: str | None = None,
    source: str = SYNTHETIC,
    heating: str | None = None,
    **attributes: Any,
) -> SiteRecord:
    """A site without category and source_id (number_sites adds them); attributes name
    the locality it serves, if any."""
    return SiteRecord(
        source_id="",
        name=name,
        category="",
        kind=kind,
        x=xy[0],
        y=xy[1],
        numbers=numbers,
        owner=owner,
        attributes=({"locality": loc.name} if loc else {}) | attributes,
        source=source,
        heating=heating,
    )


def number_sites(drafts: list[SiteRecord], category: str, code: str) -> list[SiteRecord]:
    """Stable ids: "demo-care-2462-003" is the third care site made for Vilhelmina."""
    return [
        dataclasses.replace(d, category=category, source_id=f"demo-{category}-{code}-{i:03d}")
        for i, d in enumerate(drafts, start=1)
    ]


# --- synthetic numbers --------------------------------------------------------------


def care_backup(
    rng: np.random.Generator, load_kw: float, none: float, undersized: float
) -> dict[str, float | int | None]:
    """Backup for a care site with a known critical load: absent with probability none,
    smaller than the load with probability undersized, else sufficient; 8-72 h of fuel."""
    draw = rng.random()
    if draw < none:
        return {}
    factor = rng.uniform(0.3, 0.8) if draw < none + undersized else rng.uniform(1.0, 1.6)
    return {
        "backup_kw": float(max(1, round(load_kw * factor))),
        "fuel_hours": float(rng.integers(8, 73)),
    }


def plain_backup(
    rng: np.random.Generator,
    share: float,
    kw: tuple[int, int],
    hours: tuple[int, int] = (8, 48),
) -> dict[str, float | int | None]:
    """Backup power (no critical load given) with probability share."""
    if rng.random() >= share:
        return {}
    return {
        "backup_kw": float(rng.integers(kw[0], kw[1] + 1)),
        "fuel_hours": float(rng.integers(hours[0], hours[1] + 1)),
    }


# --- care ---------------------------------------------------------------------------


def care_sites(area: Area, rng: np.random.Generator) -> list[SiteRecord]:
    """Real hospitals; health centres in the seat and larger localities; elderly homes,
    group homes and home-care bases in proportion to the population aged 65+."""
    sites = hospitals(area)

    for loc in area.localities:
        if not loc.is_seat and loc.population < TOWN_PEOPLE:
            continue
        # A large town has a health centre per 20,000 or so, one per part of town.
        count = min(len(DISTRICTS), 1 + loc.population // 20_000)
        for k in range(count):
            dx, dy = [(0, 0), (0, 1), (0, -1), (1, 0), (-1, 0)][k]
            centre = (loc.x + dx * spread(loc), loc.y + dy * spread(loc))
            if not shapely.contains_xy(area.inner, *centre):
                centre = (loc.x, loc.y)
            name = f"Hälsocentral {loc.name}" + (f" {DISTRICTS[k]}" if count > 1 else "")
            load = float(rng.integers(25, 91))
            numbers = {"critical_load_kw": load, **care_backup(rng, load, 0.5, 0.15)}
            sites.append(
                site("health_centre", name, place(rng, area, *centre, 300.0), loc, numbers)
            )

    aged = area.facts.age_65_plus
    homes = max(1, round(aged / AGED_PER_ELDERLY_HOME))
    for loc, stem in zip(
        by_population(rng, area, homes), stems(rng, ELDERLY_HOMES, homes), strict=True
    ):
        residents = int(rng.integers(12, 61))
        load = float(round(15 + 1.1 * residents + rng.normal(0, 5)))
        numbers = {"residents": residents, "critical_load_kw": load}
        numbers |= care_backup(rng, load, 0.4, 0.25)
        name = f"{stem} äldreboende, {loc.name}"
        sites.append(
            site("elderly_home", name, place(rng, area, loc.x, loc.y, spread(loc)), loc, numbers)
        )

    groups = max(1, round(aged / AGED_PER_GROUP_HOME))
    for loc, street in zip(
        by_population(rng, area, groups), stems(rng, STREETS, groups), strict=True
    ):
        residents = int(rng.integers(3, 7))
        load = float(rng.integers(8, 21))
        numbers = {"residents": residents, "critical_load_kw": load}
        numbers |= care_backup(rng, load, 0.6, 0.15)
        name = f"Gruppboende LSS {street}, {loc.name}"
        sites.append(
            site("group_home", name, place(rng, area, loc.x, loc.y, spread(loc)), loc, numbers)
        )

    bases = by_population(rng, area, max(1, round(aged / AGED_PER_HOME_CARE_BASE)))
    for loc in dict.fromkeys(bases):  # group by locality, in order of first draw
        count = bases.count(loc)
        for k in range(count):
            part = DISTRICTS[k] if k < len(DISTRICTS) else f"område {k + 1}"
            name = f"Hemtjänst {loc.name}" + (f" {part}" if count > 1 else "")
            load = float(rng.integers(5, 16))
            numbers = {"residents": int(rng.integers(30, 151)), "critical_load_kw": load}
            numbers |= care_backup(rng, load, 0.7, 0.1)
            xy = place(rng, area, loc.x, loc.y, spread(loc))
            sites.append(
                site("home_care_base", name, xy, loc, numbers, residents_are="home-care clients")
            )
    return sites


def hospitals(area: Area) -> list[SiteRecord]:
    """The real acute hospitals of this municipality; loads and backup are synthetic but
    fixed: hospitals must have sufficient backup power (about three days of fuel)."""
    fwd = transformer(WGS84, SWEREF99TM)
    found = []
    for hospital in HOSPITALS:
        if hospital.code != area.boundary.code:
            continue
        x, y = anchor(area.boundary.geom, *fwd.transform(hospital.lon, hospital.lat))
        load = float(200 + 7 * hospital.beds)
        numbers: dict[str, float | int | None] = {
            "residents": hospital.beds,
            "critical_load_kw": load,
            "backup_kw": float(round(1.25 * load)),
            "fuel_hours": 72.0,
        }
        found.append(
            site(
                "hospital",
                hospital.name,
                (float(round(x)), float(round(y))),
                area.seat,
                numbers,
                source=REAL,
                coordinate="approximate (about ±1 km)",
                synthetic_fields=["critical_load_kw", "backup_kw", "fuel_hours"],
                residents_are="approximate number of care places (vårdplatser)",
            )
        )
    return found


# --- power --------------------------------------------------------------------------


def power_sites(area: Area, rng: np.random.Generator) -> list[SiteRecord]:
    """Fixed generators at the seat's water and sewage works, mobile generators (2-4, more
    in the large municipalities) and fuel depots at the county's road hubs."""
    seat, people = area.seat, area.facts.population
    sites = []
    works = ["vattenverket"] + (["avloppsreningsverket"] if people >= 10_000 else [])
    works += ["fjärrvärmeverket"] if people >= 50_000 else []
    for work in works:
        numbers: dict[str, float | int | None] = {
            "capacity_kw": float(rng.integers(100, 801)),
            "fuel_hours": float(rng.integers(24, 97)),
        }
        xy = place(rng, area, seat.x, seat.y, 2 * spread(seat))
        sites.append(site("fixed_generator", f"Reservkraft {work}, {seat.name}", xy, seat, numbers))

    mobiles = 2 + round(people / 15_000) + int(rng.integers(0, 2))
    # The first waits at the seat's fire station; the rest where people are.
    homes = [seat, *by_population(rng, area, mobiles - 1)]
    capacities = np.array([20, 30, 45, 60, 80, 100, 150, 200, 250, 300, 400, 500])
    odds = 1.0 / np.sqrt(capacities)
    for k, loc in enumerate(homes, start=1):
        numbers = {
            "capacity_kw": float(rng.choice(capacities, p=odds / odds.sum())),
            "mobilization_hours": float(rng.integers(2, 13)) / 2,
        }
        # A few have no fuel limit (null fuel_hours): they are refuelled where they run.
        refuelled = bool(rng.random() < 0.15)
        if not refuelled:
            numbers["fuel_hours"] = float(rng.integers(8, 49))
        operator = ["räddningstjänsten", "kommunen", "Region Västerbotten", "Länsstyrelsen"][
            int(rng.choice(4, p=[0.4, 0.35, 0.15, 0.1]))
        ]
        name = f"Mobilt reservelverk {k}, {loc.name}"
        xy = place(rng, area, loc.x, loc.y, spread(loc))
        sites.append(
            site("mobile_generator", name, xy, loc, numbers, operator=operator, refuelled=refuelled)
        )

    if area.boundary.code in FUEL_DEPOT_CODES:
        xy = place(rng, area, seat.x, seat.y, 2 * spread(seat))
        depot: dict[str, Any] = {"diesel_m3": int(rng.integers(20, 201))}
        sites.append(site("fuel_depot", f"Drivmedelsdepå {seat.name}", xy, seat, {}, **depot))
    return sites


# --- food ---------------------------------------------------------------------------


def food_sites(area: Area, rng: np.random.Generator) -> list[SiteRecord]:
    """Supermarkets and grocery stores per locality by population, village stores where
    many live far from any locality, and wholesale warehouses in the two cities."""
    sites = []
    for loc in area.localities:
        supermarkets = (
            max(1, round(loc.population / PEOPLE_PER_SUPERMARKET))
            if loc.population >= SUPERMARKET_MIN_PEOPLE
            else 0
        )
        for k in range(supermarkets):
            numbers = plain_backup(rng, 0.35, (60, 250))
            xy = place(rng, area, loc.x, loc.y, spread(loc))
            name = numbered(f"Stormarknad {loc.name}", k, supermarkets)
            sites.append(site("supermarket", name, xy, loc, numbers))
        groceries = (
            max(1, round(loc.population / PEOPLE_PER_GROCERY))
            if loc.population >= GROCERY_MIN_PEOPLE
            else 0
        )
        for k in range(groceries):
            numbers = plain_backup(rng, 0.1, (20, 60), (8, 24))
            xy = place(rng, area, loc.x, loc.y, spread(loc))
            sites.append(
                site("grocery", numbered(f"Matbutik {loc.name}", k, groceries), xy, loc, numbers)
            )

    for k, (x, y) in enumerate(village_spots(area), start=1):
        numbers = plain_backup(rng, 0.1, (15, 40), (8, 24))
        name = f"Lanthandel {k}, {area.boundary.name} landsbygd"
        xy = place(rng, area, x, y, 300.0)
        sites.append(site("grocery", name, xy, None, numbers, village_store=True))

    people = area.facts.population
    warehouses = 2 if people >= 100_000 else 1 if people >= 50_000 else 0
    for k in range(warehouses):
        numbers = plain_backup(rng, 0.7, (200, 500), (24, 72))
        xy = place(rng, area, area.seat.x, area.seat.y, 2 * spread(area.seat))
        name = numbered(f"Livsmedelslager {area.seat.name}", k, warehouses)
        sites.append(site("warehouse", name, xy, area.seat, numbers))
    return sites


def village_spots(area: Area) -> list[tuple[float, float]]:
    """The most populous cells beyond RURAL_DISTANCE_M of every locality, spaced apart."""
    lx = np.array([loc.x for loc in area.localities])
    ly = np.array([loc.y for loc in area.localities])
    dx = area.cell_x[:, None] - lx[None, :]
    dy = area.cell_y[:, None] - ly[None, :]
    rural = np.sqrt(dx**2 + dy**2).min(axis=1) > RURAL_DISTANCE_M
    wanted = min(MAX_VILLAGE_STORES, round(area.cell_pop[rural].sum() / RURAL_PER_VILLAGE_STORE))
    spots: list[tuple[float, float]] = []
    for i in np.flatnonzero(rural)[np.argsort(-area.cell_pop[rural], kind="stable")]:
        if len(spots) == wanted:
            break
        x, y = float(area.cell_x[i]), float(area.cell_y[i])
        if all(np.hypot(x - sx, y - sy) >= VILLAGE_SPACING_M for sx, sy in spots):
            spots.append((x, y))
    return spots


# --- energy -------------------------------------------------------------------------


def energy_site(
    rng: np.random.Generator,
    area: Area,
    kind: str,
    name: str,
    loc: Locality,
    owner: str = "municipality",
    heated_m2: tuple[int, int] | None = None,
    priority: int | None = None,
) -> SiteRecord:
    """An energy-intensive public building near loc, without backup or shelter yet."""
    area_range, intensity, default_priority = ENERGY_PROFILES[kind]
    low, high = heated_m2 or area_range
    heated = float(round(rng.uniform(low, high), -1))
    use = float(round(heated * rng.uniform(*intensity), -3))
    odds = HEATING_TOWN if loc.population >= TOWN_PEOPLE else HEATING_VILLAGE
    heating = HEATING[int(rng.choice(len(HEATING), p=odds))]
    numbers: dict[str, float | int | None] = {"heated_area_m2": heated, "energy_kwh_year": use}
    xy = place(rng, area, loc.x, loc.y, spread(loc))
    priority = priority or default_priority
    return site(
        kind, name, xy, loc, numbers, owner=owner, heating=heating, styrel_priority=priority
    )


def energy_sites(area: Area, rng: np.random.Generator) -> list[SiteRecord]:
    """Schools, sports halls, swimming pools, offices and a few other public buildings
    with their heated area and yearly energy use; some have backup power. Warm shelters
    (trygghetspunkter, shelter_capacity > 0): every sports hall of the seat, about half of
    the other sports halls and some village schools."""
    seat, people, code = area.seat, area.facts.population, area.boundary.code
    buildings: list[tuple[SiteRecord, float]] = []  # with the chance to be a shelter

    def add(kind: str, name: str, loc: Locality, shelter: float = 0.0, **options: Any) -> None:
        buildings.append((energy_site(rng, area, kind, name, loc, **options), shelter))

    for loc in area.localities:
        schools = max(1, round(loc.population / PEOPLE_PER_SCHOOL))
        if schools == 1:  # a village school is small
            size = (800, 3_000) if loc.population < TOWN_PEOPLE else None
            add("school", f"{loc.name} skola", loc, 0.4, heated_m2=size)
            continue
        for stem in stems(rng, SCHOOLS, schools):
            add("school", f"{stem}, {loc.name}", loc)
    if people >= 5_000:
        count = 1 + people // 50_000
        for k in range(count):
            name = numbered(f"Gymnasieskolan {seat.name}", k, count)
            add("school", name, seat, heated_m2=(6_000, 15_000))
    if code in FOLK_HIGH_SCHOOL_CODES:
        add("school", f"Folkhögskolan {seat.name}", seat, owner="region")

    halls = [(seat, 1 + seat.population // 25_000, 1.0)]
    halls += [(loc, 1, 0.5) for loc in area.localities[1:] if loc.population >= TOWN_PEOPLE]
    for loc, count, shelter in halls:
        for k in range(count):
            add("sports_hall", numbered(f"Sporthallen {loc.name}", k, count), loc, shelter)

    pools = [(seat, 1 + (seat.population >= 30_000) + (seat.population >= 80_000))]
    pools += [(loc, 1) for loc in area.localities[1:] if loc.population >= 4_000]
    for loc, count in pools:
        for k in range(count):
            add("swimming_pool", numbered(f"Simhallen {loc.name}", k, count), loc)

    # A town hall grows with the municipality: about 1,500 m² in Åsele, 11,000 in Umeå.
    hall_m2 = round(30 * people**0.5)
    add("office", f"Kommunhuset {seat.name}", seat, heated_m2=(hall_m2, round(1.3 * hall_m2)))
    if code == "2480":  # the county seat
        add("office", "Länsstyrelsens kontor, Umeå", seat, owner="state")
        add("office", "Regionens hus, Umeå", seat, owner="region")
        add("other", "Universitetsbyggnad, Umeå", seat, owner="state")
    elif people >= 10_000:
        add("office", f"Statligt servicekontor {seat.name}", seat, owner="state")
        add("office", f"Regionkontor {seat.name}", seat, owner="region")
    if people >= 5_000:
        add("other", f"Kulturhuset {seat.name}", seat)
    if people >= 10_000:
        add("other", f"Räddningsstationen {seat.name}", seat, priority=2)

    return [equip(rng, building, shelter) for building, shelter in buildings]


def equip(rng: np.random.Generator, building: SiteRecord, shelter: float) -> SiteRecord:
    """Make the building a warm shelter with probability `shelter` (certainly at 1, then
    with sure backup power; otherwise 80 % have backup), else give it backup power with
    probability 0.15."""
    numbers, attributes = dict(building.numbers), dict(building.attributes)
    certain = shelter >= 1.0
    if certain or rng.random() < shelter:
        people = rng.integers(15, 41) if certain else rng.integers(3, 21)
        numbers["shelter_capacity"] = int(people) * 10
        if certain or rng.random() < 0.8:
            numbers["backup_kw"] = float(rng.integers(60, 201))
            numbers["fuel_hours"] = float(rng.integers(48, 73) if certain else rng.integers(12, 73))
        attributes["trygghetspunkt"] = True
        # A trygghetspunkt is kept on the grid before ordinary buildings in Styrel.
        attributes["styrel_priority"] = min(attributes["styrel_priority"], 4)
    else:
        numbers |= plain_backup(rng, 0.15, (20, 150))
    return dataclasses.replace(building, numbers=numbers, attributes=attributes)


# --- utility: district heating plants ----------------------------------------------


def utility_sites(area: Area, rng: np.random.Generator) -> list[SiteRecord]:
    """The municipality's district heating plants (facts.HEAT_PLANTS, its main plant
    first): at their approximate real position where known (REAL), else at the edge of the
    seat (SYNTHETIC). Loads and backup by size (PLANT_POWER), synthetic."""
    fwd = transformer(WGS84, SWEREF99TM)
    sites = []
    for plant in HEAT_PLANTS:
        if plant.code != area.boundary.code:
            continue
        load, backup, fuel = PLANT_POWER_BY_NAME.get(plant.name, PLANT_POWER[plant.size])
        chance, small_kw, small_hours = SMALL_PLANT_BACKUP
        if backup is None and rng.random() < chance:
            backup, fuel = small_kw, small_hours
        numbers: dict[str, float | int | None] = {"critical_load_kw": load}
        if backup is not None:
            numbers |= {"backup_kw": backup, "fuel_hours": fuel}
        extra: dict[str, Any] = {"operator": plant.operator} if plant.operator else {}
        if plant.lon is not None and plant.lat is not None:
            x, y = anchor(area.boundary.geom, *fwd.transform(plant.lon, plant.lat))
            xy = (float(round(x)), float(round(y)))
            extra |= {
                "coordinate": "approximate (about ±2 km)",
                "synthetic_fields": ["critical_load_kw", "backup_kw", "fuel_hours"],
            }
            source = REAL
        else:
            xy, source = edge_of(rng, area, area.seat), SYNTHETIC
        sites.append(
            site(DISTRICT_HEATING_PLANT, plant.name, xy, area.seat, numbers, source=source, **extra)
        )
    return sites


def edge_of(rng: np.random.Generator, area: Area, loc: Locality) -> tuple[float, float]:
    """A whole-metre point 1.3-1.8 spreads from the locality's point, inside the area:
    where a town's industrial area with its heating plant usually is."""
    for _ in range(20):
        r, a = spread(loc) * rng.uniform(1.3, 1.8), 2 * np.pi * rng.random()
        px, py = round(loc.x + r * np.cos(a)), round(loc.y + r * np.sin(a))
        if shapely.contains_xy(area.inner, px, py):
            return float(px), float(py)
    return place(rng, area, loc.x, loc.y, spread(loc))


# --- v2: heating, heat plants, cooling time constants, food stocks --------------------


def pick(rng: np.random.Generator, odds: Sequence[tuple[str, float]]) -> str:
    words = [w for w, _ in odds]
    return words[int(rng.choice(len(words), p=[p for _, p in odds]))]


def heating_of(rng: np.random.Generator, s: SiteRecord, in_seat: bool) -> str:
    if s.category == "care":
        if s.kind == "hospital":
            return DISTRICT_HEATING
        return pick(rng, CARE_HEATING_SEAT if in_seat else CARE_HEATING_ELSEWHERE)
    if s.category == "food":
        return pick(rng, FOOD_HEATING_SEAT[s.kind] if in_seat else FOOD_HEATING_ELSEWHERE)
    drawn = s.heating or "electricity"  # energy: drawn with the building
    return "biofuel" if drawn == DISTRICT_HEATING and not in_seat else drawn


def stock_of(rng: np.random.Generator, area: Area, s: SiteRecord, warehouses: int) -> float | None:
    key = "village_store" if s.attributes.get("village_store") else s.kind
    people, (low, high) = STOCK_PROFILES[key]
    if key == "warehouse":
        people = round(area.facts.population / warehouses)
    elif rng.random() < STOCK_UNKNOWN:
        return None
    return float(round(people * rng.uniform(low, high), -2))


def heat_and_stock(
    area: Area, sites: list[SiteRecord], rng: np.random.Generator
) -> list[SiteRecord]:
    """Heating and heat_plant of the care, food and energy sites, a few explicit thermal
    time constants, and the food sites' stocks. District heating only where the network
    is, in the seat; its plant given for a share of the buildings (HEAT_PLANT_GIVEN), else
    left to the model's nearest-plant rule."""
    plants = [s.source_id for s in sites if s.kind == DISTRICT_HEATING_PLANT]
    given = HEAT_PLANT_GIVEN.get(area.boundary.code, HEAT_PLANT_GIVEN_ELSEWHERE)
    warehouses = sum(1 for s in sites if s.kind == "warehouse")
    done = []
    for s in sites:
        changes: dict[str, Any] = {}
        numbers = dict(s.numbers)
        if s.category in HEATED_CATEGORIES:
            in_seat = bool(plants) and s.attributes.get("locality") == area.seat.name
            heating = heating_of(rng, s, in_seat)
            changes["heating"] = heating
            if heating == DISTRICT_HEATING and rng.random() < given:
                changes["heat_plant"] = plants[0]  # the main plant
        if s.category in ("care", "energy") and rng.random() < TAU_SHARE:
            numbers["thermal_time_constant_hours"] = float(rng.integers(*TAU_RANGE))
        if s.category == "food":
            numbers["stock_person_days"] = stock_of(rng, area, s, warehouses)
        done.append(dataclasses.replace(s, numbers=numbers, **changes))
    return done


# --- all ----------------------------------------------------------------------------

MAKERS: dict[str, Callable[[Area, np.random.Generator], list[SiteRecord]]] = {
    "care": care_sites,
    "power": power_sites,
    "food": food_sites,
    "energy": energy_sites,
    "utility": utility_sites,
}
HEAT_STREAM = 100  # the random stream of heat_and_stock, after the categories' 0, 1, ...


def build_sites(areas: Sequence[Area], seed: int) -> list[SiteRecord]:
    """All sites, municipality by municipality (sorted by code), category by category,
    then their heating and stocks. Each (municipality, category) has its own random
    stream, and so has the heating pass, so a change in one leaves the others' sites as
    they were."""
    sites: list[SiteRecord] = []
    for area in areas:
        code = area.boundary.code
        mine: list[SiteRecord] = []
        for category in CATEGORIES:
            if category not in MAKERS:  # a category without demo sites
                continue
            rng = np.random.default_rng([seed, int(code), CATEGORIES.index(category)])
            mine += number_sites(MAKERS[category](area, rng), category, code)
        sites += heat_and_stock(area, mine, np.random.default_rng([seed, int(code), HEAT_STREAM]))
    return sites
