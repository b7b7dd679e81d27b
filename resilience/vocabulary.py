"""The words of the domain, each written once: site categories and their kinds, owners,
heating sources, measure statuses, the numeric site fields, and the SRIDs.

The analysis, the ORM (and its CHECK constraints), the energy figures, the loaders and the
exporters all import from here. Pure: standard library only, so that the analysis and the
loaders can use it without SQLAlchemy or Flask.

Adding a category, a kind or a numeric field is one edit in the tables below; a category, an
owner or a heating source also needs an Alembic migration for its CHECK constraint, and a
numeric or text field its column on resilience.models.Site (and in a migration).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- coordinate reference systems --------------------------------------------------------

SWEREF99TM = 3006  # storage and analysis: planar metres
WGS84 = 4326  # the browser and GeoJSON (RFC 7946)

# --- numeric site fields -----------------------------------------------------------------


@dataclass(frozen=True)
class SiteNumber:
    """A numeric column of sites (coverage-model.md, "Inputs"): whole numbers or floats;
    `short` is its Shapefile name when `name` is longer than 10 characters. `low`-`high`
    (both included) is its plausible range, checked wherever a value comes in (NUMBER_RANGES)."""

    name: str
    integer: bool
    description: str
    short: str | None = None
    low: float = 0.0
    high: float = 1_000_000.0


SITE_NUMBER_SPECS: tuple[SiteNumber, ...] = (
    SiteNumber("residents", True, "people who depend on the site", high=100_000),
    SiteNumber("critical_load_kw", False, "critical load, kW", "crit_kw", high=1_000_000),
    SiteNumber("backup_kw", False, "backup power, kW", high=1_000_000),
    SiteNumber("fuel_hours", False, "backup fuel, hours", high=8_760),
    SiteNumber("priority", True, "Styrel priority, 1 highest", low=1, high=8),
    SiteNumber("capacity_kw", False, "generator capacity, kW", "cap_kw", high=1_000_000),
    SiteNumber(
        "mobilization_hours", False, "mobile generator: hours to set off", "mobil_h", high=8_760
    ),
    SiteNumber("heated_area_m2", False, "heated area, m²", "area_m2", high=10_000_000),
    SiteNumber("energy_kwh_year", False, "energy use, kWh/year", "kwh_year", high=1e10),
    SiteNumber(
        "shelter_capacity",
        True,
        "warm shelter places (> 0: trygghetspunkt)",
        "shelt_cap",
        high=1_000_000,
    ),
    # v2: > 0 (a building's cooling time constant; null: its kind's default).
    SiteNumber(
        "thermal_time_constant_hours",
        False,
        "thermal time constant tau, hours (> 0)",
        "tau_h",
        high=10_000,
    ),
    SiteNumber("stock_person_days", False, "food stock, person-days", "stock_pd", high=1e9),
)
SITE_NUMBERS: tuple[str, ...] = tuple(n.name for n in SITE_NUMBER_SPECS)
SITE_INTEGERS: frozenset[str] = frozenset(n.name for n in SITE_NUMBER_SPECS if n.integer)
# Numbers that must be > 0 where given (every other site number is >= 0).
SITE_POSITIVE: frozenset[str] = frozenset({"thermal_time_constant_hours"})

# The one table of plausible ranges (both ends included) of every number a site or an
# energy building takes in: the site columns above, and the energy register's attributes,
# measures and readings. Checked at the door (upload check, imports, the energy forms,
# PATCH and the API): a value outside is refused with the range, so a stored 1e308 can
# never break a page. Scenario parameters have theirs in analysis/model.py (RANGES).
NUMBER_RANGES: dict[str, tuple[float, float]] = {
    **{n.name: (n.low, n.high) for n in SITE_NUMBER_SPECS},
    "peak_kw": (0.0, 1_000_000.0),  # energy register attribute, kW
    "expected_kwh_year": (0.0, 1e10),  # energy measure
    "verified_kwh_year": (0.0, 1e10),
    "cost_sek": (0.0, 1e12),
    "kwh": (0.0, 1e10),  # an energy reading (a month's or a year's use)
}


def _plain(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def range_problem(name: str, value: float | int) -> str | None:
    """Why `value` is outside `name`'s range in NUMBER_RANGES (None: inside, or no range)."""
    bounds = NUMBER_RANGES.get(name)
    if bounds is None or bounds[0] <= value <= bounds[1]:
        return None
    low, high = bounds
    try:
        shown = f"{value:.6g}"
    except OverflowError:  # an integer past any float
        shown = f"a number of {len(str(abs(int(value)))):,} digits"
    return f"{name} {shown} is out of range: from {_plain(low)} to {_plain(high)}"


# Text columns of sites besides the names: the owner of an energy building, and (v2) how a
# care, food or energy site is heated and the source_id of the district heating plant that
# heats it.
SITE_TEXTS: tuple[str, ...] = ("owner", "heating", "heat_plant")

# Styrel's priority classes, 1 highest: a site's `priority`, an energy building's class.
STYREL_CLASSES: tuple[int, ...] = tuple(range(1, 9))

# --- categories and kinds ----------------------------------------------------------------

# Default priority of care kinds, 1 highest, as in Styrel; a site's own priority overrides
# it. Its keys are the care kinds, in the order forms and messages list them.
CARE_PRIORITY: dict[str, int] = {
    "hospital": 1,
    "health_centre": 3,
    "elderly_home": 2,
    "group_home": 2,
    "home_care_base": 4,
}


# A home-care base's `residents` are its clients, who live in their own homes, not in the
# building: pages count them apart from the residents of care homes (README, "Scenarios and
# runs"); the coverage model itself treats them as any care site's residents.
HOME_CARE_BASE = "home_care_base"
ELDERLY_HOME = "elderly_home"
# Residential care: the kinds where people live in the building, what a report lists first.
RESIDENTIAL_CARE: tuple[str, ...] = ("elderly_home", "group_home", "hospital")

# v2: the one kind of utility site, whose power the heating of its network depends on.
DISTRICT_HEATING_PLANT = "district_heating_plant"
DISTRICT_HEATING = "district_heating"


def N_(text: str) -> str:
    """Marks an English display name for the catalog (babel.cfg); web/names.py translates
    it where it is shown."""
    return text


# A category's code names a database view and SQL parameters (ogc_sites_<name>): kept plain.
_CODE = re.compile(r"[a-z][a-z0-9_]{0,30}")


@dataclass(frozen=True)
class Category:
    """A site category, and everything derived from it: the one entry a new category needs
    (besides its migration, for the CHECK constraint and its OGC view, and its translations).

    - `fields`: the site columns the coverage model and the registers use for it (exported
      as columns; anything else is in `attributes`); `powered`: step 1 of the model computes
      its power status;
    - `label`: its display name, an English msgid (translated by web/names.py, also for the
      scripts' name('category', …)); `description`: what its OGC collection holds (English);
    - `layer`, `title`: its layer name (ASCII) and Swedish title in exported files and as
      its OGC collection's title, what the planners see in QGIS;
    - on the maps (web/maps.py hands these to the scripts): `color`; `marker` "dot" or
      "plant" (a dark ring); `radius`, pixels added to a site's dot at every zoom;
      `tile_radius`, its dot in the editor's vector tiles; `draw_order`, higher drawn above
      (the vector tiles too); `clustered`, DOM markers clustered at low zoom (care).
    """

    name: str
    kinds: tuple[str, ...]
    fields: tuple[str, ...]
    powered: bool
    layer: str
    title: str
    label: str
    description: str
    color: str
    marker: str = "dot"
    radius: float = 0.0
    tile_radius: float = 2.5
    draw_order: int = 0
    clustered: bool = False

    def __post_init__(self) -> None:
        if not _CODE.fullmatch(self.name) or not _CODE.fullmatch(self.layer):
            raise ValueError(f"category {self.name!r}: name and layer must be plain a-z0-9_")
        if not re.fullmatch(r"#[0-9a-f]{6}", self.color) or self.marker not in MARKERS:
            raise ValueError(f"category {self.name!r}: colour #rrggbb, marker one of {MARKERS}")

    @property
    def collection(self) -> str:
        """Its OGC API - Features collection id."""
        return f"sites-{self.name}"

    @property
    def view(self) -> str:
        """The view its OGC collection reads (its migration creates it, as 0008 did)."""
        return f"ogc_sites_{self.name}"


MARKERS: tuple[str, ...] = ("dot", "plant")

_SITES_NOTE = (
    "Site properties are those of the site register (numbers in kW, hours, m², kWh/year);"
    " `attributes` holds the source's other fields."
)

SITE_CATEGORIES: tuple[Category, ...] = (
    Category(
        "care",
        tuple(CARE_PRIORITY),
        (
            "residents",
            "critical_load_kw",
            "backup_kw",
            "fuel_hours",
            "priority",
            "heating",
            "heat_plant",
            "thermal_time_constant_hours",
        ),
        powered=True,
        layer="vard",
        title="Vård och omsorg",
        label=N_("Care"),
        description="Care sites (elderly homes, health centres, hospitals). " + _SITES_NOTE,
        color="#d62828",
        tile_radius=3.5,
        draw_order=2,
        clustered=True,
    ),
    Category(
        "power",
        ("fixed_generator", "mobile_generator", "fuel_depot"),
        ("capacity_kw", "fuel_hours", "mobilization_hours"),
        powered=False,
        layer="reservkraft",
        title="Reservkraft",
        label=N_("Backup power"),
        description="Backup power: generators and their capacity and mobilisation time. "
        + _SITES_NOTE,
        color="#f77f00",
        draw_order=1,
    ),
    Category(
        "food",
        ("supermarket", "grocery", "warehouse"),
        ("backup_kw", "fuel_hours", "heating", "heat_plant", "stock_person_days"),
        powered=True,
        layer="livsmedel",
        title="Livsmedel",
        label=N_("Food"),
        description="Food stores. " + _SITES_NOTE,
        color="#2a9d8f",
    ),
    Category(
        "energy",
        ("school", "office", "sports_hall", "swimming_pool", "hospital", "care_home", "other"),
        (
            "heated_area_m2",
            "energy_kwh_year",
            "owner",
            "backup_kw",
            "fuel_hours",
            "shelter_capacity",
            "heating",
            "heat_plant",
            "thermal_time_constant_hours",
        ),
        powered=True,
        layer="energi",
        title="Energikrävande byggnader",
        label=N_("Energy buildings"),
        description="Energy-intensive public buildings and shelters. " + _SITES_NOTE,
        color="#6a4c93",
    ),
    Category(
        "utility",
        (DISTRICT_HEATING_PLANT,),
        ("critical_load_kw", "backup_kw", "fuel_hours"),
        powered=True,
        layer="fjarrvarme",
        title="Fjärrvärmeverk",
        label=N_("District heating plants"),
        description="District heating plants: the care, food and energy sites whose heat_plant"
        " is a plant's source_id depend on its power for their heat. " + _SITES_NOTE,
        color="#e9c46a",
        # Heat plants are few and many buildings depend on them: larger, with a dark ring.
        marker="plant",
        radius=3.5,
    ),
)
# The registry. What is derived per request (the maps' categories, the sites API, OGC's
# collections, the exports' layers, the vector tiles' draw order, display names) reads it
# through category_names() / CATEGORY at call time, so one entry here (or a category a test
# registers) shows everywhere. CATEGORIES is the same at import time, for the analysis and
# the models' CHECK constraint.
CATEGORY: dict[str, Category] = {c.name: c for c in SITE_CATEGORIES}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY)
KINDS: dict[str, tuple[str, ...]] = {c.name: c.kinds for c in SITE_CATEGORIES}
# Categories whose power status step 1 computes and the result document lists.
POWERED_CATEGORIES: tuple[str, ...] = tuple(c.name for c in SITE_CATEGORIES if c.powered)
# Care kinds that provide the "care" service of step 3.
CARE_SERVICE_KINDS: tuple[str, ...] = ("hospital", "health_centre")
MOBILE_GENERATOR = "mobile_generator"
# v2: the categories that may be heated by a district heating plant (heating, heat_plant).
HEATED_CATEGORIES: tuple[str, ...] = ("care", "food", "energy")
# v2: the categories whose indoor temperature the model follows (thermal_time_constant_hours).
INDOOR_CATEGORIES: tuple[str, ...] = ("care", "energy")
UTILITY = "utility"  # step 1 only: no generator is dispatched to a heat plant
FOOD = "food"  # the category that holds food stock (stock_person_days)

# --- energy buildings: owners, heating, measures -------------------------------------------

OWNERS: tuple[str, ...] = ("state", "region", "municipality")

# Each heating source as stored (the `heating` column of care, food and energy sites), and
# what files and forms may say for it besides (Swedish and English).
_HEATING_WORDS: dict[str, tuple[str, ...]] = {
    "district_heating": ("district heating", "fjärrvärme"),
    "electricity": ("electric", "el", "elvärme", "direktel"),
    "heat_pump": ("heat pump", "värmepump"),
    "biofuel": ("biobränsle", "pellets", "flis"),
    "oil": ("olja", "eldningsolja"),
}
HEATING: tuple[str, ...] = tuple(_HEATING_WORDS)
HEATING_ALIASES: dict[str, str] = {
    word: value for value, words in _HEATING_WORDS.items() for word in (value, *words)
}

# The status of an energy-saving measure as stored, and its other spellings.
_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "planned": ("planerad",),
    "in_progress": ("in progress", "pågår", "pagar", "påbörjad"),
    "done": ("klar", "genomförd", "utförd"),
}
MEASURE_STATUSES: tuple[str, ...] = tuple(_STATUS_WORDS)
STATUS_ALIASES: dict[str, str] = {
    word: value for value, words in _STATUS_WORDS.items() for word in (value, *words)
}


def category_names() -> tuple[str, ...]:
    """The categories registered now, in the registry's order (legends, layers, exports)."""
    return tuple(CATEGORY)


def normalise_heating(value: str) -> str:
    """A heating source as stored; raises ValueError naming the accepted values."""
    key = value.strip().lower().replace("-", "_")
    found = HEATING_ALIASES.get(key) or HEATING_ALIASES.get(key.replace("_", " "))
    if found is None:
        raise ValueError(f"unknown heating {value!r}; expected one of {', '.join(HEATING)}")
    return found


def one_of(words: tuple[str, ...]) -> str:
    """'a, b or c': a word list as a description says it."""
    return f"{', '.join(words[:-1])} or {words[-1]}" if len(words) > 1 else "".join(words)
