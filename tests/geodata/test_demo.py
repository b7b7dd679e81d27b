"""The built-in Västerbotten demo data set: facts kept exactly, synthetic parts plausible.
Pure: no database. The expected SCB figures are written out here on purpose, so that a
slip in geodata/demo/facts.py cannot hide itself."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geodata.demo import DemoDataset, build_demo
from geodata.demo.population import largest_remainder
from geodata.demo.sites import REAL, SYNTHETIC
from resilience.vocabulary import (
    CATEGORIES,
    HEATED_CATEGORIES,
    HEATING,
    KINDS,
    OWNERS,
    SITE_INTEGERS,
    SITE_NUMBERS,
)

# One xdist worker builds the data set once (the module's fixture `demo`) for all of them.
pytestmark = pytest.mark.xdist_group("demo")

# SCB, folkmängd 31 December 2024 (via RegionFakta).
SCB_2024 = {
    "2401": ("Nordmaling", 6942),
    "2403": ("Bjurholm", 2359),
    "2404": ("Vindeln", 5417),
    "2409": ("Robertsfors", 6690),
    "2417": ("Norsjö", 3968),
    "2418": ("Malå", 2962),
    "2421": ("Storuman", 5577),
    "2422": ("Sorsele", 2357),
    "2425": ("Dorotea", 2294),
    "2460": ("Vännäs", 9132),
    "2462": ("Vilhelmina", 6229),
    "2463": ("Åsele", 2694),
    "2480": ("Umeå", 134249),
    "2481": ("Lycksele", 12118),
    "2482": ("Skellefteå", 78150),
}
COUNTY_2024 = 281_138

REQUIRED_KINDS = {
    "care": {"hospital", "health_centre", "elderly_home", "group_home", "home_care_base"},
    "power": {"fixed_generator", "mobile_generator", "fuel_depot"},
    "food": {"supermarket", "grocery", "warehouse"},
    "energy": {"school", "sports_hall", "swimming_pool", "office", "other"},
    "utility": {"district_heating_plant"},
}


@pytest.fixture(scope="module")
def demo() -> DemoDataset:
    return build_demo()


def municipality_of(demo: DemoDataset, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Code containing each point, the lowest if several, "" if none (coverage model)."""
    codes = np.full(np.shape(x), "", dtype=object)
    for m in sorted(demo.municipalities, key=lambda m: m.code, reverse=True):
        codes[shapely.contains_xy(m.geom, x, y)] = m.code
    return codes


def cell_centres(demo: DemoDataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.array([c.x_ll + c.cell_size / 2 for c in demo.cells])
    y = np.array([c.y_ll + c.cell_size / 2 for c in demo.cells])
    pop = np.array([c.population for c in demo.cells])
    return x, y, pop


def site_code(source_id: str) -> str:
    return source_id.split("-")[2]  # "demo-care-2462-003"


def test_same_output_every_call(demo: DemoDataset) -> None:
    assert build_demo() == demo


def test_fifteen_municipalities_with_scb_codes_and_names(demo: DemoDataset) -> None:
    assert [(m.code, m.name) for m in demo.municipalities] == [
        (code, name) for code, (name, _) in SCB_2024.items()
    ]
    for m in demo.municipalities:
        assert m.geom.geom_type == "MultiPolygon" and m.geom.is_valid
        minx, miny, maxx, maxy = m.geom.bounds  # SWEREF 99 TM metres, not degrees
        assert 400_000 < minx < maxx < 900_000 and 7_000_000 < miny < maxy < 7_400_000


def test_county_is_the_union_of_its_municipalities(demo: DemoDataset) -> None:
    assert demo.county.geom_type == "MultiPolygon" and demo.county.is_valid
    union = shapely.union_all([m.geom for m in demo.municipalities])
    assert shapely.symmetric_difference(union, demo.county).area < 1e-6 * demo.county.area
    assert 55_000e6 < demo.county.area < 60_000e6  # about 55,000 km² of land and lakes


def test_cells_are_scb_style_and_populated(demo: DemoDataset) -> None:
    corners = [(c.x_ll, c.y_ll) for c in demo.cells]
    assert len(set(corners)) == len(corners)
    for c in demo.cells:
        assert c.cell_size == 1000 and c.x_ll % 1000 == 0 and c.y_ll % 1000 == 0
        assert isinstance(c.population, int) and c.population > 0
    assert 1_000 <= len(demo.cells) <= 10_000


def test_each_municipality_sums_exactly_to_scb(demo: DemoDataset) -> None:
    x, y, pop = cell_centres(demo)
    codes = municipality_of(demo, x, y)
    sums = {code: int(pop[codes == code].sum()) for code in SCB_2024}
    assert sums == {code: total for code, (_, total) in SCB_2024.items()}
    assert int(pop[codes == ""].sum()) == 0
    assert int(pop.sum()) == COUNTY_2024 == sum(total for _, total in SCB_2024.values())


def test_population_is_concentrated_in_towns(demo: DemoDataset) -> None:
    _, _, pop = cell_centres(demo)
    assert pop.max() > 1_000  # central Umeå
    assert np.median(pop) < 100  # most populated cells are rural


def test_every_site_lies_in_its_municipality(demo: DemoDataset) -> None:
    x = np.array([s.x for s in demo.sites])
    y = np.array([s.y for s in demo.sites])
    located = municipality_of(demo, x, y)
    assert list(located) == [site_code(s.source_id) for s in demo.sites]


def test_source_ids_are_unique_and_stable_in_form(demo: DemoDataset) -> None:
    ids = [s.source_id for s in demo.sites]
    assert len(set(ids)) == len(ids)
    for s in demo.sites:
        prefix, category, code, seq = s.source_id.split("-")
        assert (prefix, category) == ("demo", s.category) and code in SCB_2024
        assert len(seq) == 3 and seq.isdigit()


def test_categories_kinds_and_fields(demo: DemoDataset) -> None:
    kinds: dict[str, set[str]] = {category: set() for category in CATEGORIES}
    for s in demo.sites:
        assert s.kind in KINDS[s.category]
        kinds[s.category].add(s.kind)
        assert set(s.numbers) <= set(SITE_NUMBERS)
        for key, value in s.numbers.items():
            assert value is None or value >= 0
            expected = int if key in SITE_INTEGERS else float
            assert value is None or type(value) is expected, (s.source_id, key)
        assert "priority" not in s.numbers  # left to the kind's default
        assert s.owner in OWNERS if s.category == "energy" else s.owner is None
        json.dumps(s.attributes)
    for category, required in REQUIRED_KINDS.items():
        assert required <= kinds[category]
    assert 300 <= len(demo.sites) <= 1_500


def test_real_hospitals_and_synthetic_rest(demo: DemoDataset) -> None:
    assert demo.source == "demo"
    real = {s.name: s for s in demo.sites if s.source == REAL}
    assert {name: site_code(s.source_id) for name, s in real.items()} == {
        "Norrlands universitetssjukhus": "2480",
        "Skellefteå lasarett": "2482",
        "Lycksele lasarett": "2481",
        "Dåva kraftvärmeverk": "2480",
        "Ersboda värmeverk": "2480",
        "Hedensbyns kraftvärmeverk": "2482",
    }
    for s in real.values():
        assert (s.category, s.kind) in {
            ("care", "hospital"),
            ("utility", "district_heating_plant"),
        }
        assert "approximate" in s.attributes["coordinate"]
    assert all(s.source == SYNTHETIC for s in demo.sites if s.name not in real)


def test_health_centre_and_warm_shelter_in_every_seat(demo: DemoDataset) -> None:
    for code, (name, _) in SCB_2024.items():
        mine = [s for s in demo.sites if site_code(s.source_id) == code]
        assert any(
            s.kind == "health_centre" and s.name.startswith(f"Hälsocentral {name}") for s in mine
        )
        shelters = [s for s in mine if (s.numbers.get("shelter_capacity") or 0) > 0]
        assert all(s.category == "energy" for s in shelters)
        assert any(s.attributes["locality"] == name for s in shelters), name


def test_care_backup_is_varied(demo: DemoDataset) -> None:
    homes = [s.numbers for s in demo.sites if s.kind == "elderly_home"]
    none = [n for n in homes if "backup_kw" not in n]
    short = [n for n in homes if n.get("backup_kw", 0) and n["backup_kw"] < n["critical_load_kw"]]
    enough = [n for n in homes if n.get("backup_kw", 0) >= n["critical_load_kw"]]
    assert none and short and enough
    assert all(8 <= n["fuel_hours"] <= 72 for n in homes if "backup_kw" in n)
    assert all(n["residents"] > 0 for n in homes)


def test_elderly_care_follows_the_aged(demo: DemoDataset) -> None:
    per_code = Counter(site_code(s.source_id) for s in demo.sites if s.kind == "elderly_home")
    assert set(per_code) == set(SCB_2024)
    assert per_code.most_common(2)[0][0] == "2480" and per_code["2482"] > per_code["2481"]


def test_mobile_generators(demo: DemoDataset) -> None:
    mobiles = [s for s in demo.sites if s.kind == "mobile_generator"]
    per_code = Counter(site_code(s.source_id) for s in mobiles)
    assert set(per_code) == set(SCB_2024)
    assert all(2 <= n <= 4 for code, n in per_code.items() if code not in {"2480", "2482"})
    assert per_code["2480"] > 4 and per_code["2482"] > 4
    for s in mobiles:
        assert 20 <= s.numbers["capacity_kw"] <= 500
        assert 1 <= s.numbers["mobilization_hours"] <= 6
        assert "fuel_hours" not in s.numbers or 8 <= s.numbers["fuel_hours"] <= 48
    assert any("fuel_hours" not in s.numbers for s in mobiles)  # refuelled ones


def test_energy_use_is_plausible_per_square_metre(demo: DemoDataset) -> None:
    intensity = {"school": (120, 180), "swimming_pool": (400, 700), "office": (100, 150)}
    for s in demo.sites:
        if s.kind in intensity:
            low, high = intensity[s.kind]
            per_m2 = s.numbers["energy_kwh_year"] / s.numbers["heated_area_m2"]
            assert low - 1 <= per_m2 <= high + 1, s.name  # energy is rounded to 1,000 kWh


def test_names_keep_swedish_letters(demo: DemoDataset) -> None:
    names = " ".join(s.name for s in demo.sites)
    for place in ("Åsele", "Vännäs", "Umeå", "Malå", "Norsjö", "Skellefteå"):
        assert place in names


@given(
    st.lists(st.floats(0.0, 1e6), min_size=1, max_size=50).filter(lambda w: sum(w) > 0),
    st.integers(0, 10**6),
)
def test_largest_remainder_sums_exactly(weights: list[float], total: int) -> None:
    w = np.array(weights)
    counts = largest_remainder(w, total)
    assert counts.sum() == total and (counts >= 0).all()
    assert (np.abs(counts - w * total / w.sum()) < 1 + 1e-6).all()


# --- v2: district heating, cooling, food stocks ---------------------------------------------


def test_every_seat_has_a_heat_plant_and_every_heat_plant_names_one(demo: DemoDataset) -> None:
    plants = {s.source_id: s for s in demo.sites if s.category == "utility"}
    assert all(s.kind == "district_heating_plant" for s in plants.values())
    assert Counter(site_code(p) for p in plants) == {code: 1 for code in SCB_2024} | {"2480": 2}
    for s in plants.values():  # near the seat, as the town's network is
        assert s.attributes["locality"] == SCB_2024[site_code(s.source_id)][0]
    named = [s for s in demo.sites if s.heat_plant is not None]
    assert len(named) > 100
    for s in named:
        assert s.heat_plant in plants, s.source_id
        assert s.heating == "district_heating" and s.category in HEATED_CATEGORIES
        assert site_code(s.heat_plant) == site_code(s.source_id)  # the municipality's own
    assert all(s.heat_plant is None for s in demo.sites if s.category not in HEATED_CATEGORIES)
    # Some district-heated buildings are left to the nearest-plant rule.
    assert any(s.heating == "district_heating" and s.heat_plant is None for s in demo.sites)
    # The large plants have backup; Dåva's is less than its critical load; small ones vary.
    by_name = {s.name: s.numbers for s in plants.values()}
    hedensbyn, dava = by_name["Hedensbyns kraftvärmeverk"], by_name["Dåva kraftvärmeverk"]
    assert hedensbyn["backup_kw"] >= hedensbyn["critical_load_kw"]
    assert 0 < dava["backup_kw"] < dava["critical_load_kw"]
    assert any("backup_kw" not in n for n in by_name.values())


def test_heating_only_where_a_network_is(demo: DemoDataset) -> None:
    heated = [s for s in demo.sites if s.category in HEATED_CATEGORIES]
    assert all(s.heating in HEATING for s in heated)
    assert all(s.heating is None for s in demo.sites if s.category not in HEATED_CATEGORIES)
    seats = {name for name, _ in SCB_2024.values()}
    for s in heated:
        if s.heating == "district_heating":
            assert s.attributes.get("locality") in seats, s.name
    kinds = Counter(s.kind for s in heated if s.heating == "district_heating")
    assert kinds["hospital"] == 3 and kinds["elderly_home"] > 20 and kinds["school"] > 20
    assert any(s.heating != "district_heating" for s in heated if s.category == "care")
    assert all("heating" not in s.attributes for s in demo.sites)  # the column, not attributes


def test_a_few_explicit_cooling_time_constants(demo: DemoDataset) -> None:
    given = [s for s in demo.sites if s.numbers.get("thermal_time_constant_hours") is not None]
    assert 10 <= len(given) <= 100
    assert all(s.category in ("care", "energy") for s in given)
    assert all(30 <= s.numbers["thermal_time_constant_hours"] <= 110 for s in given)


def test_food_stocks(demo: DemoDataset) -> None:
    food = [s for s in demo.sites if s.category == "food"]
    stocks = {s.source_id: s.numbers.get("stock_person_days") for s in food}
    assert all(v is None or v >= 0 for v in stocks.values())
    assert any(v is None for v in stocks.values())  # some unknown
    assert all(s.numbers.get("stock_person_days") is None for s in demo.sites if s not in food)
    known = {k: [s.numbers["stock_person_days"] for s in food if s.kind == k and
                 s.numbers.get("stock_person_days") is not None]
             for k in ("warehouse", "supermarket", "grocery")}  # fmt: skip
    assert len(known["warehouse"]) == 3  # a warehouse's stock is known
    assert min(known["warehouse"]) > max(known["supermarket"]) > max(known["grocery"]) * 0.5
    assert np.median(known["supermarket"]) > np.median(known["grocery"])


def test_the_heat_plant_scenario_cuts_dava_alone(demo: DemoDataset) -> None:
    from geodata.demo.scenarios import builtin_scenarios

    [scenario] = [s for s in builtin_scenarios(demo.municipalities) if "Dåva" in s["name"]]
    assert scenario["outage"]["duration_hours"] == 48
    area = shapely.geometry.shape(scenario["outage"]["areas"])
    inside = {s.name for s in demo.sites if area.covers(shapely.Point(s.x, s.y))}
    assert "Dåva kraftvärmeverk" in inside and "Ersboda värmeverk" not in inside
    dava = next(s.source_id for s in demo.sites if s.name == "Dåva kraftvärmeverk")
    outside = [
        s
        for s in demo.sites
        if s.kind == "elderly_home" and s.heat_plant == dava and s.name not in inside
    ]
    assert len(outside) >= 5  # the city's district-heated elderly homes, on the grid
