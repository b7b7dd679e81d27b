"""Energy saving in public buildings: every figure the energy pages, the API and the exports
show, computed here and only here. Pure: dataclasses in, dataclasses out; no Flask, no
database, no I/O.

Units are in the names: kWh (energy), kWh/year (annual use or saving), MWh (display of
large totals), kWh/m² and year (intensity, per m² heated area, "Atemp"), kW (load), SEK.

Defaults, and what they rest on (every one is a parameter or a stored setting):

* Energy classes A-G. Boverket's energy declaration classes a building by its primary
  energy number (EP_pet) relative to what the building code (BBR) requires of a new building
  of the same kind: A <= 50 %, B <= 75 %, C <= 100 % (= the requirement), D <= 135 %,
  E <= 180 %, F <= 235 %, G above (Boverket, "Energiklasser från A till G"). We keep those
  ratios (BOVERKET_CLASS_RATIOS) and apply them to a reference intensity per building kind.
  The default reference is 70 kWh/m² and year for every kind: BBR 29's (BFS 2011:6 as
  amended by BFS 2020:4) requirement on EP_pet for non-residential premises ("lokaler").
  The class is taken on the primary energy number EP_pet (primary_energy_number, below):
  delivered energy weighted by BBR's factor for the building's heating source and divided by
  the municipality's geographic adjustment factor F_geo for heating, per m² Atemp. A building
  whose heating source or F_geo is unknown keeps the old approximation (delivered energy per
  m², class_method "delivered"), and the pages say which method gave each class. Either way
  the register's figure is the building's total use, not split into heating and property
  electricity as an energy declaration is (DEFAULT_HEATING_SHARE), and BBR's allowances for
  high ventilation flows are not applied: the classes rank buildings against one another and
  against a national yardstick; they are not the class of an energy declaration. Swimming
  pools in particular have no requirement of their own in BBR and come out G with the
  default: set a reference per kind (energy_class_limits table, the settings page).
* Saving potential: (intensity − median intensity of the same kind in the county) × heated
  area, in kWh/year, 0 at or below the median (issue #6). The median is taken over every
  building of the kind with a known intensity, whatever the page's filters.
* Target: 10 % less than in the base year 2022, as in the issue's example; 2022 is the year
  the government gave the county administrative boards the assignment to support energy
  saving in state, regional and municipal properties (Länsstyrelsen Västerbotten, 20 Sep
  2022). Set per owner, and per owner in one municipality, in the energy_targets table.
* Load for manual load shedding: a stored peak_kw when present, else annual use / 8760 h ×
  peak factor 2.0. The factor is our assumption (a winter peak about twice the mean load,
  i.e. a load factor of 0.5), not a measured value. It is the building's total energy load:
  for buildings heated by district heating, biofuel or oil the electric load that a
  disconnection actually sheds is smaller. Store peak_kw where the grid owner knows it.

Annual use of a building: the latest complete metered year (an annual reading, or twelve
monthly readings), else the register's energy_kwh_year.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import TypeVar

from resilience.vocabulary import (
    CARE_PRIORITY,
    KINDS,
    MEASURE_STATUSES,
    STATUS_ALIASES,
    STYREL_CLASSES,
)
from resilience.vocabulary import HEATING as HEATING  # the pages read energy.HEATING
from resilience.vocabulary import OWNERS as OWNERS  # the pages read energy.OWNERS
from resilience.vocabulary import normalise_heating as normalise_heating  # one spelling rule

# --- vocabulary: the energy pages' words (the shared ones are in resilience.vocabulary) --

ENERGY_KINDS: tuple[str, ...] = KINDS["energy"]
CLASSES: tuple[str, ...] = ("A", "B", "C", "D", "E", "F", "G")
# Energy kinds that house care: they stay on in a disconnection, like the care sites.
CARE_KINDS: frozenset[str] = frozenset({"hospital", "care_home"})

# --- defaults (see the module docstring for their sources) --------------------------------

BOVERKET_CLASS_RATIOS: tuple[float, ...] = (0.50, 0.75, 1.00, 1.35, 1.80, 2.35)
BBR_LOKALER_EP_KWH_M2 = 70.0  # BBR 29, 9:2: EP_pet for lokaler, kWh/m² Atemp and year
DEFAULT_REFERENCE_KWH_M2: dict[str, float] = dict.fromkeys(ENERGY_KINDS, BBR_LOKALER_EP_KWH_M2)

# The primary energy number EP_pet, BBR 29 (Boverkets byggregler BFS 2011:6 as amended by
# BFS 2020:4, in force 1 September 2020), section 9:2 and the formula of 9:12:
#   EP_pet = sum over carriers i of (E_heat,i / F_geo + E_cool,i + E_hw,i + E_prop,i) * VF_i
#            / A_temp
# Weighting factors (viktningsfaktorer) per energy carrier, BBR 29 table 9:2a. El 1.8 and
# fjärrvärme 0.7 as Boverket states them in "Frågor och svar, avsnitt 9 Energihushållning:
# Jag har både fjärrvärme och el i mitt hus, hur ska jag räkna ut mitt primärenergital?"
# (boverket.se, read 2 December 2026); biobränsle 0.6 and fossil olja 1.8 from the same table
# (not confirmed online here: check them against the current BBR when it changes). A heat
# pump's carrier is electricity.
ELECTRICITY_WEIGHT = 1.8
WEIGHTING_FACTORS: dict[str, float] = {
    "district_heating": 0.7,
    "electricity": ELECTRICITY_WEIGHT,
    "heat_pump": ELECTRICITY_WEIGHT,
    "biofuel": 0.6,
    "oil": 1.8,
}
# The geographic adjustment factor F_geo of BBR 29 section 9:2 (table of F_geo per
# municipality, introduced by BFS 2017:5, BBR 25), for Västerbotten's municipalities by
# kommun code. The values are as recalled from that table and could not be confirmed online
# here: verify them against Boverket's current table before relying on a single building's
# class. A municipality not listed has no F_geo here, and its buildings keep the delivered-
# energy approximation.
F_GEO: dict[str, float] = {
    "2401": 1.5,  # Nordmaling
    "2403": 1.6,  # Bjurholm
    "2404": 1.6,  # Vindeln
    "2409": 1.5,  # Robertsfors
    "2417": 1.7,  # Norsjö
    "2418": 1.8,  # Malå
    "2421": 1.8,  # Storuman
    "2422": 1.9,  # Sorsele
    "2425": 1.8,  # Dorotea
    "2460": 1.5,  # Vännäs
    "2462": 1.8,  # Vilhelmina
    "2463": 1.7,  # Åsele
    "2480": 1.5,  # Umeå
    "2481": 1.7,  # Lycksele
    "2482": 1.5,  # Skellefteå
}
# The register gives a building's total delivered energy, not its split: this share is taken
# as heating and hot water (the heating source's carrier, divided by F_geo), the rest as
# property electricity (weighted as electricity). Our assumption, not Boverket's; for an
# electrically heated building the split changes only the F_geo part.
DEFAULT_HEATING_SHARE = 0.7
METHOD_PRIMARY = "primary_energy"  # primärenergital med viktningsfaktorer enligt BBR
METHOD_DELIVERED = "delivered"  # the old approximation: delivered energy per m²
HOURS_PER_YEAR = 8760.0
DEFAULT_PEAK_FACTOR = 2.0
KWH_PER_MWH = 1000.0

MIN_YEAR, MAX_YEAR = 1990, 2100


@dataclass(frozen=True)
class Target:
    """Use `reduction_percent` % less than in `base_year` (by `target_year`, if set)."""

    reduction_percent: float
    base_year: int
    target_year: int | None = None


DEFAULT_TARGET = Target(reduction_percent=10.0, base_year=2022)

# --- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Building:
    """A public building of the register (a site of category energy)."""

    id: int
    name: str
    kind: str
    owner: str | None = None
    municipality: str | None = None  # kommun code
    heated_area_m2: float | None = None
    energy_kwh_year: float | None = None  # the register's annual use
    heating: str | None = None
    styrel_priority: int | None = None  # 1-8
    peak_kw: float | None = None  # stored peak load, overrides the estimate
    backup_kw: float | None = None
    fuel_hours: float | None = None
    shelter_capacity: int | None = None  # people; > 0 makes it a warm shelter


@dataclass(frozen=True)
class Measure:
    site_id: int
    title: str
    status: str  # planned | in_progress | done
    date: date | None = None  # completion when done, else the planned date
    expected_kwh_year: float | None = None
    verified_kwh_year: float | None = None
    cost_sek: float | None = None
    id: int = 0


@dataclass(frozen=True)
class Reading:
    site_id: int
    year: int
    month: int | None  # 1-12; None for the whole year
    kwh: float


@dataclass(frozen=True)
class CareSite:
    """A care site of the coverage model, for the list of what must stay on."""

    id: int
    name: str
    kind: str
    municipality: str | None = None
    priority: int | None = None  # the site's own; None: the kind's default
    critical_load_kw: float | None = None
    backup_kw: float | None = None
    fuel_hours: float | None = None

    @property
    def effective_priority(self) -> int | None:
        return self.priority if self.priority is not None else CARE_PRIORITY.get(self.kind)

    @property
    def has_backup(self) -> bool:
        return has_backup(self.backup_kw, self.fuel_hours)


# --- parsing helpers shared by the importers and the forms -----------------------------


def normalise_status(value: str) -> str:
    key = value.strip().lower().replace("-", "_")
    found = STATUS_ALIASES.get(key) or STATUS_ALIASES.get(key.replace("_", " "))
    if found is None:
        allowed = ", ".join(MEASURE_STATUSES)
        raise ValueError(f"unknown status {value!r}; expected one of {allowed}")
    return found


def check_class_limits(limits: Sequence[float]) -> tuple[float, ...]:
    """Six upper limits (A..F, kWh/m² and year), positive and strictly increasing."""
    values = tuple(float(v) for v in limits)
    if len(values) != len(CLASSES) - 1:
        raise ValueError(f"expected {len(CLASSES) - 1} limits (A to F), got {len(values)}")
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError("class limits must be positive numbers")
    if any(b <= a for a, b in pairwise(values)):
        raise ValueError("class limits must increase from A to F")
    return values


def to_mwh(kwh: float | None) -> float | None:
    """kWh → MWh."""
    return None if kwh is None else kwh / KWH_PER_MWH


# --- one building ------------------------------------------------------------------------


def has_backup(backup_kw: float | None, fuel_hours: float | None) -> bool:
    """Backup power as the coverage model defines it: backup_kw > 0 and fuel_hours > 0."""
    return bool(backup_kw and backup_kw > 0 and fuel_hours and fuel_hours > 0)


def is_warm_shelter(building: Building) -> bool:
    return bool(building.shelter_capacity and building.shelter_capacity > 0)


def must_stay_on(building: Building) -> bool:
    """Warm shelters and care buildings are never in the disconnection plan's cut list."""
    return is_warm_shelter(building) or building.kind in CARE_KINDS


def intensity(kwh_year: float | None, area_m2: float | None) -> float | None:
    """kWh per m² heated area and year; None without a use or a positive area."""
    if kwh_year is None or area_m2 is None or area_m2 <= 0:
        return None
    return kwh_year / area_m2


def primary_energy_number(
    kwh_year: float | None,
    area_m2: float | None,
    heating: str | None,
    municipality: str | None,
    heating_share: float = DEFAULT_HEATING_SHARE,
) -> float | None:
    """EP_pet in kWh/m² Atemp and year (BBR 29, 9:2): the heating share of the use by the
    heating source's weighting factor over F_geo, the rest by electricity's factor. None
    when the use, a positive area, the heating source or the municipality's F_geo is
    unknown. 100 000 kWh on 1 000 m² with district heating in Umeå (F_geo 1.5):
    (70 000 × 0.7 / 1.5 + 30 000 × 1.8) / 1 000 = 86.67."""
    if not 0 <= heating_share <= 1:
        raise ValueError("the heating share is between 0 and 1")
    delivered = intensity(kwh_year, area_m2)
    factor = WEIGHTING_FACTORS.get(heating or "")
    f_geo = F_GEO.get(municipality or "")
    if delivered is None or factor is None or f_geo is None:
        return None
    return delivered * (heating_share * factor / f_geo + (1 - heating_share) * ELECTRICITY_WEIGHT)


def class_limits(reference_kwh_m2: float) -> tuple[float, ...]:
    """Upper limits of classes A..F for a reference (= the upper limit of C), Boverket's
    ratios. 70 → (35, 52.5, 70, 94.5, 126, 164.5)."""
    return tuple(round(reference_kwh_m2 * r, 6) for r in BOVERKET_CLASS_RATIOS)


def default_class_limits() -> dict[str, tuple[float, ...]]:
    return {kind: class_limits(ref) for kind, ref in DEFAULT_REFERENCE_KWH_M2.items()}


def energy_class(intensity_kwh_m2: float | None, limits: Sequence[float]) -> str | None:
    """A..G: the first class whose upper limit the intensity does not exceed."""
    if intensity_kwh_m2 is None:
        return None
    for letter, upper in zip(CLASSES, limits, strict=False):
        if intensity_kwh_m2 <= upper:
            return letter
    return CLASSES[-1]


def saving_potential(
    intensity_kwh_m2: float | None, median_kwh_m2: float | None, area_m2: float | None
) -> float:
    """(intensity − median of the kind) × area, kWh/year; 0 at or below the median or when
    something is unknown."""
    if intensity_kwh_m2 is None or median_kwh_m2 is None or not area_m2 or area_m2 <= 0:
        return 0.0
    return max(0.0, intensity_kwh_m2 - median_kwh_m2) * area_m2


def load_kw(
    annual_kwh: float | None, peak_kw: float | None, peak_factor: float = DEFAULT_PEAK_FACTOR
) -> tuple[float | None, str]:
    """(kW, source): the stored peak_kw ("stored"), else annual kWh / 8760 h × peak factor
    ("estimate"); (None, "none") when neither is known."""
    if peak_kw is not None:
        return peak_kw, "stored"
    if annual_kwh is None:
        return None, "none"
    return annual_kwh / HOURS_PER_YEAR * peak_factor, "estimate"


def annual_metered(readings: Iterable[Reading]) -> dict[int, float]:
    """Metered kWh per complete year of one building: an annual reading when there is one
    (the owner's own figure wins), else the sum of the twelve months; years with only some
    months are left out."""
    annual: dict[int, float] = {}
    months: dict[int, dict[int, float]] = {}
    for r in readings:
        if r.month is None:
            annual[r.year] = r.kwh
        else:
            months.setdefault(r.year, {})[r.month] = r.kwh
    for year, by_month in months.items():
        if year not in annual and len(by_month) == 12:
            annual[year] = sum(by_month[m] for m in range(1, 13))
    return dict(sorted(annual.items()))


def achieved_saving(measure: Measure) -> float:
    """kWh/year a done measure saves: the verified figure, else the expected one; 0 for
    measures not done."""
    if measure.status != "done":
        return 0.0
    if measure.verified_kwh_year is not None:
        return measure.verified_kwh_year
    return measure.expected_kwh_year or 0.0


# --- the register --------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """Everything shown about one building, with the figure's source where it varies."""

    building: Building
    use_kwh_year: float | None
    use_source: str  # metered | register | none
    use_year: int | None  # the metered year
    intensity_kwh_m2: float | None
    energy_class: str | None
    kind_median_kwh_m2: float | None
    saving_potential_kwh_year: float
    load_kw: float | None
    load_source: str  # stored | estimate | none
    savings_done_kwh_year: float  # done measures: verified, else expected
    savings_verified_kwh_year: float  # done measures with a verified figure
    savings_pending_kwh_year: float  # planned and in progress: expected
    measures_cost_sek: float
    measures: int
    # EP_pet when the heating source and F_geo are known; the class's method.
    primary_energy_kwh_m2: float | None = None
    class_method: str = METHOD_DELIVERED

    @property
    def warm_shelter(self) -> bool:
        return is_warm_shelter(self.building)

    @property
    def has_backup(self) -> bool:
        return has_backup(self.building.backup_kw, self.building.fuel_hours)

    @property
    def must_stay_on(self) -> bool:
        return must_stay_on(self.building)


def kind_medians(intensities: Iterable[tuple[str, float | None]]) -> dict[str, float]:
    """Median intensity per kind over the known values (statistics.median: the mean of the
    two middle values for an even count)."""
    by_kind: dict[str, list[float]] = {}
    for kind, value in intensities:
        if value is not None:
            by_kind.setdefault(kind, []).append(value)
    return {kind: statistics.median(values) for kind, values in sorted(by_kind.items())}


def assess(
    buildings: Sequence[Building],
    readings: Iterable[Reading] = (),
    measures: Iterable[Measure] = (),
    limits: Mapping[str, Sequence[float]] | None = None,
    peak_factor: float = DEFAULT_PEAK_FACTOR,
    heating_share: float = DEFAULT_HEATING_SHARE,
) -> list[Assessment]:
    """Assess every building of the register, in the given order. Pass the whole register:
    the medians are taken over what is passed. The class is on EP_pet where it is known,
    else on the delivered intensity (the module docstring)."""
    chosen = default_class_limits()
    chosen.update({k: tuple(v) for k, v in (limits or {}).items()})
    fallback = class_limits(BBR_LOKALER_EP_KWH_M2)
    by_site_readings: dict[int, list[Reading]] = {}
    for r in readings:
        by_site_readings.setdefault(r.site_id, []).append(r)
    by_site_measures: dict[int, list[Measure]] = {}
    for m in measures:
        by_site_measures.setdefault(m.site_id, []).append(m)

    uses: list[tuple[float | None, str, int | None]] = []
    year: int | None  # the metered year here, the year of a use in the loop below
    for b in buildings:
        metered = annual_metered(by_site_readings.get(b.id, ()))
        if metered:
            year = max(metered)
            uses.append((metered[year], "metered", year))
        elif b.energy_kwh_year is not None:
            uses.append((b.energy_kwh_year, "register", None))
        else:
            uses.append((None, "none", None))
    intensities = [
        intensity(use, b.heated_area_m2) for b, (use, _s, _y) in zip(buildings, uses, strict=True)
    ]
    medians = kind_medians((b.kind, i) for b, i in zip(buildings, intensities, strict=True))

    result = []
    for b, (use, source, year), value in zip(buildings, uses, intensities, strict=True):
        ms = by_site_measures.get(b.id, [])
        kw, kw_source = load_kw(use, b.peak_kw, peak_factor)
        median = medians.get(b.kind)
        primary = primary_energy_number(
            use, b.heated_area_m2, b.heating, b.municipality, heating_share
        )
        classed = value if primary is None else primary
        result.append(
            Assessment(
                building=b,
                use_kwh_year=use,
                use_source=source,
                use_year=year,
                intensity_kwh_m2=value,
                energy_class=energy_class(classed, chosen.get(b.kind, fallback)),
                kind_median_kwh_m2=median,
                saving_potential_kwh_year=saving_potential(value, median, b.heated_area_m2),
                load_kw=kw,
                load_source=kw_source,
                savings_done_kwh_year=sum(achieved_saving(m) for m in ms),
                savings_verified_kwh_year=sum(
                    m.verified_kwh_year or 0.0 for m in ms if m.status == "done"
                ),
                savings_pending_kwh_year=sum(
                    m.expected_kwh_year or 0.0 for m in ms if m.status != "done"
                ),
                measures_cost_sek=sum(m.cost_sek or 0.0 for m in ms),
                measures=len(ms),
                primary_energy_kwh_m2=primary,
                class_method=METHOD_DELIVERED if primary is None else METHOD_PRIMARY,
            )
        )
    return result


def rank_by_potential(assessments: Iterable[Assessment]) -> list[Assessment]:
    """Largest saving potential first; ties by name, then id."""
    return sorted(
        assessments,
        key=lambda a: (-a.saving_potential_kwh_year, a.building.name, a.building.id),
    )


def select(
    assessments: Iterable[Assessment],
    *,
    municipality: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
) -> list[Assessment]:
    """The assessments matching every filter given (None: any)."""
    return [
        a
        for a in assessments
        if (municipality is None or a.building.municipality == municipality)
        and (owner is None or a.building.owner == owner)
        and (kind is None or a.building.kind == kind)
    ]


@dataclass
class Totals:
    """Sums over a group of buildings. intensity_kwh_m2 is area-weighted over the buildings
    with both a use and an area."""

    buildings: int = 0
    heated_area_m2: float = 0.0
    use_kwh_year: float = 0.0
    without_use: int = 0
    saving_potential_kwh_year: float = 0.0
    savings_done_kwh_year: float = 0.0
    savings_verified_kwh_year: float = 0.0
    savings_pending_kwh_year: float = 0.0
    measures_cost_sek: float = 0.0
    measures: int = 0
    warm_shelters: int = 0
    shelter_places: int = 0
    classes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    _area_with_use: float = 0.0
    _use_with_area: float = 0.0

    @property
    def intensity_kwh_m2(self) -> float | None:
        return intensity(self._use_with_area, self._area_with_use or None)

    def add(self, a: Assessment) -> None:
        b = a.building
        self.buildings += 1
        self.heated_area_m2 += b.heated_area_m2 or 0.0
        if a.use_kwh_year is None:
            self.without_use += 1
        else:
            self.use_kwh_year += a.use_kwh_year
            if a.intensity_kwh_m2 is not None:
                self._use_with_area += a.use_kwh_year
                self._area_with_use += b.heated_area_m2 or 0.0
        self.saving_potential_kwh_year += a.saving_potential_kwh_year
        self.savings_done_kwh_year += a.savings_done_kwh_year
        self.savings_verified_kwh_year += a.savings_verified_kwh_year
        self.savings_pending_kwh_year += a.savings_pending_kwh_year
        self.measures_cost_sek += a.measures_cost_sek
        self.measures += a.measures
        if a.warm_shelter:
            self.warm_shelters += 1
            self.shelter_places += b.shelter_capacity or 0
        if a.energy_class is not None:
            self.classes[a.energy_class] += 1


K = TypeVar("K")


def totals_by(assessments: Iterable[Assessment], key: Callable[[Assessment], K]) -> dict[K, Totals]:
    groups: dict[K, Totals] = {}
    for a in assessments:
        groups.setdefault(key(a), Totals()).add(a)
    return groups


def totals(assessments: Iterable[Assessment]) -> Totals:
    result = Totals()
    for a in assessments:
        result.add(a)
    return result


# --- progress against targets -----------------------------------------------------------

TargetKey = tuple[str | None, str | None]  # (owner, municipality code); None: any


def target_for(
    owner: str | None, municipality: str | None, targets: Mapping[TargetKey, Target]
) -> Target:
    """The most specific target: the owner's in this municipality, the owner's in the county,
    the county's for every owner, else DEFAULT_TARGET."""
    keys: list[TargetKey] = [(None, None)]
    if owner is not None:
        keys[:0] = [(owner, municipality), (owner, None)] if municipality else [(owner, None)]
    for key in keys:
        if key in targets:
            return targets[key]
    return DEFAULT_TARGET


@dataclass(frozen=True)
class YearUse:
    kwh: float
    source: str  # metered | register | estimate


def base_use(building: Building, metered: Mapping[int, float], base_year: int) -> YearUse | None:
    """Use in the base year: metered, else the register's figure (taken as the base year's)."""
    if base_year in metered:
        return YearUse(metered[base_year], "metered")
    if building.energy_kwh_year is not None:
        return YearUse(building.energy_kwh_year, "register")
    return None


def use_in_year(
    building: Building,
    metered: Mapping[int, float],
    measures: Iterable[Measure],
    year: int,
    base_year: int,
) -> YearUse | None:
    """Use in `year`: metered when it is; else the base-year use less what the measures done
    from the base year up to the year before saved (a measure counts from the year after it
    is done, in full years). Before the base year, unmetered: the base-year use."""
    if year in metered:
        return YearUse(metered[year], "metered")
    base = base_use(building, metered, base_year)
    if base is None:
        return None
    if year <= base_year:
        return base
    saved = sum(
        achieved_saving(m)
        for m in measures
        if m.status == "done" and m.date is not None and base_year <= m.date.year < year
    )
    return YearUse(max(0.0, base.kwh - saved), "estimate")


@dataclass(frozen=True)
class Progress:
    """A group's use in `year` against its base and target (sums over its buildings, each
    with its own owner's target). change_kwh > 0 means less energy used than in the base."""

    year: int
    base_kwh: float
    target_kwh: float
    use_kwh: float
    buildings: int  # with a base-year use
    metered: int  # of those, metered in `year`
    without_data: int  # no base-year use: left out

    @property
    def change_kwh(self) -> float:
        return self.base_kwh - self.use_kwh

    @property
    def change_percent(self) -> float | None:
        return 100.0 * self.change_kwh / self.base_kwh if self.base_kwh else None

    @property
    def target_percent(self) -> float | None:
        """The group's target as a reduction from its base, %."""
        return 100.0 * (self.base_kwh - self.target_kwh) / self.base_kwh if self.base_kwh else None

    @property
    def reached(self) -> float | None:
        """Share of the targeted reduction achieved (1.0 = target met; may exceed 1 or be
        negative)."""
        wanted = self.base_kwh - self.target_kwh
        return self.change_kwh / wanted if wanted else None

    @property
    def reached_percent(self) -> float | None:
        return None if self.reached is None else 100.0 * self.reached

    @property
    def on_track(self) -> bool:
        return self.buildings > 0 and self.use_kwh <= self.target_kwh


@dataclass(frozen=True)
class _BuildingYear:
    base: float
    target: float
    use: float
    metered: bool


def _building_year(
    b: Building,
    metered: Mapping[int, float],
    measures: Sequence[Measure],
    target: Target,
    year: int,
) -> _BuildingYear | None:
    base = base_use(b, metered, target.base_year)
    use = use_in_year(b, metered, measures, year, target.base_year)
    if base is None or use is None:
        return None
    return _BuildingYear(
        base.kwh,
        base.kwh * (1.0 - target.reduction_percent / 100.0),
        use.kwh,
        use.source == "metered",
    )


def progress_by(
    buildings: Iterable[Building],
    readings: Iterable[Reading],
    measures: Iterable[Measure],
    targets: Mapping[TargetKey, Target],
    year: int,
    key: Callable[[Building], K],
) -> dict[K, Progress]:
    """Progress in `year` per group of buildings (key: e.g. municipality or owner)."""
    by_site_readings: dict[int, list[Reading]] = {}
    for r in readings:
        by_site_readings.setdefault(r.site_id, []).append(r)
    by_site_measures: dict[int, list[Measure]] = {}
    for m in measures:
        by_site_measures.setdefault(m.site_id, []).append(m)
    sums: dict[K, list[float]] = {}
    for b in buildings:
        acc = sums.setdefault(key(b), [0.0, 0.0, 0.0, 0, 0, 0])
        target = target_for(b.owner, b.municipality, targets)
        metered = annual_metered(by_site_readings.get(b.id, ()))
        figures = _building_year(b, metered, by_site_measures.get(b.id, []), target, year)
        if figures is None:
            acc[5] += 1
            continue
        acc[0] += figures.base
        acc[1] += figures.target
        acc[2] += figures.use
        acc[3] += 1
        acc[4] += figures.metered
    return {
        k: Progress(year, v[0], v[1], v[2], int(v[3]), int(v[4]), int(v[5]))
        for k, v in sums.items()
    }


def progress(
    buildings: Iterable[Building],
    readings: Iterable[Reading],
    measures: Iterable[Measure],
    targets: Mapping[TargetKey, Target],
    year: int,
) -> Progress:
    """The whole group's progress (e.g. the county: every building, in a municipality or
    not)."""
    found = progress_by(buildings, readings, measures, targets, year, key=lambda _b: "all")
    return found.get("all", Progress(year, 0.0, 0.0, 0.0, 0, 0, 0))


def progress_series(
    buildings: Sequence[Building],
    readings: Sequence[Reading],
    measures: Sequence[Measure],
    targets: Mapping[TargetKey, Target],
    first_year: int,
    last_year: int,
) -> list[Progress]:
    """progress() for every year from first_year to last_year, for the line chart."""
    return [
        progress(buildings, readings, measures, targets, y)
        for y in range(first_year, last_year + 1)
    ]


# --- manual load shedding (Styrel priority classes) ---------------------------------------


@dataclass(frozen=True)
class ShedClass:
    priority: int | None  # 1-8; None: not classified
    buildings: int
    kw: float
    estimated: int  # of the buildings, how many have an estimated (not stored) load
    without_load: int  # buildings whose load is unknown (counted, not summed)


@dataclass(frozen=True)
class LoadShedding:
    """What a municipality's energy buildings could shed, by Styrel priority class (8 is cut
    first), and what must stay on."""

    classes: tuple[ShedClass, ...]  # 1..8, then unclassified
    must_stay_on: tuple[Assessment, ...]  # warm shelters and care buildings
    care_sites: tuple[CareSite, ...]

    @property
    def sheddable_kw(self) -> float:
        return sum(c.kw for c in self.classes if c.priority is not None)

    def cumulative_kw(self) -> list[tuple[int, float]]:
        """(k, kW shed when classes k..8 are cut), for k = 8 down to 1."""
        by_class = {c.priority: c.kw for c in self.classes if c.priority is not None}
        result, running = [], 0.0
        for k in reversed(STYREL_CLASSES):
            running += by_class.get(k, 0.0)
            result.append((k, running))
        return result


def load_shedding(
    assessments: Iterable[Assessment], care_sites: Iterable[CareSite] = ()
) -> LoadShedding:
    sums: dict[int | None, list[float]] = {p: [0, 0.0, 0, 0] for p in (*STYREL_CLASSES, None)}
    keep: list[Assessment] = []
    for a in assessments:
        if a.must_stay_on:
            keep.append(a)
            continue
        p = a.building.styrel_priority
        acc = sums[p if p in STYREL_CLASSES else None]
        acc[0] += 1
        if a.load_kw is None:
            acc[3] += 1
        else:
            acc[1] += a.load_kw
            acc[2] += a.load_source == "estimate"
    classes = tuple(
        ShedClass(p, int(v[0]), float(v[1]), int(v[2]), int(v[3])) for p, v in sums.items()
    )
    keep.sort(key=lambda a: (not a.warm_shelter, a.building.name, a.building.id))
    care = sorted(care_sites, key=lambda c: (c.effective_priority or 9, c.name, c.id))
    return LoadShedding(classes, tuple(keep), tuple(care))
