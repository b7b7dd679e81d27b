"""Display names of the codes the data, the runs and the pages use (categories, kinds,
fields, owners, statuses, …): one English name per code and group, marked here for the
catalog and translated where shown (`label`, the Jinja filter `label`, the scripts'
`name(group, code)`). A code without a name shows as itself."""

from __future__ import annotations

import unicodedata

from flask_babel import force_locale, gettext

from resilience.vocabulary import CATEGORY, SITE_CATEGORIES


def N_(text: str) -> str:
    """Marks a string for the catalog (babel.cfg); it is translated where it is shown."""
    return text


NAMES: dict[str, dict[str, str]] = {
    # The categories' names are their vocabulary entries' labels (read per call, below).
    "category": {c.name: c.label for c in SITE_CATEGORIES},
    "kind": {
        "hospital": N_("hospital"),
        "health_centre": N_("health centre"),
        "elderly_home": N_("elderly home"),
        "group_home": N_("group home"),
        "home_care_base": N_("home care base"),
        "fixed_generator": N_("fixed generator"),
        "mobile_generator": N_("mobile generator"),
        "fuel_depot": N_("fuel depot"),
        "supermarket": N_("supermarket"),
        "grocery": N_("grocery"),
        "warehouse": N_("warehouse"),
        "school": N_("school"),
        "office": N_("office"),
        "sports_hall": N_("sports hall"),
        "swimming_pool": N_("swimming pool"),
        "care_home": N_("care home"),
        "other": N_("other"),
        "district_heating_plant": N_("district heating plant"),
    },
    # Numeric and other fields of a site or an energy building.
    "field": {
        "residents": N_("residents"),
        "critical_load_kw": N_("critical load (kW)"),
        "backup_kw": N_("backup power (kW)"),
        "fuel_hours": N_("fuel (hours)"),
        "priority": N_("priority"),
        "capacity_kw": N_("capacity (kW)"),
        "mobilization_hours": N_("mobilisation (hours)"),
        "heated_area_m2": N_("heated area (m²)"),
        "energy_kwh_year": N_("energy use (kWh/year)"),
        "shelter_capacity": N_("warm shelter, places"),
        "owner": N_("owner"),
        "heating": N_("heating"),
        "heat_plant": N_("heating plant"),
        "thermal_time_constant_hours": N_("cooling time constant (hours)"),
        "stock_person_days": N_("food stock (person-days)"),
        "styrel_priority": N_("Styrel priority"),
        "peak_kw": N_("peak load (kW)"),
    },
    # A site's other attributes (kept in `attributes`), as the site page shows them.
    "attribute": {
        "locality": N_("locality"),
        "heating": N_("heating"),
        "styrel_priority": N_("Styrel priority"),
        "trygghetspunkt": N_("trygghetspunkt (meeting point in a crisis)"),
        "operator": N_("operator"),
        "address": N_("address"),
        "phone": N_("phone"),
        "opening_hours": N_("opening hours"),
        "website": N_("website"),
        "osm_id": N_("OpenStreetMap id"),
    },
    "owner": {
        "state": N_("state"),
        "region": N_("region"),
        "municipality": N_("municipality"),
    },
    "heating": {
        "district_heating": N_("district heating"),
        "electricity": N_("electricity"),
        "heat_pump": N_("heat pump"),
        "biofuel": N_("biofuel"),
        "oil": N_("oil"),
    },
    # How a building's energy class was computed (resilience/energy.py).
    "class_method": {
        "primary_energy": N_("primary energy number with weighting factors according to BBR"),
        "delivered": N_("delivered energy, without weighting factors (approximation)"),
    },
    "measure_status": {
        "planned": N_("planned"),
        "in_progress": N_("in progress"),
        "done": N_("done"),
    },
    # What an audit entry did.
    "action": {
        "insert": N_("insert"),
        "update": N_("update"),
        "delete": N_("delete"),
    },
    # A checked upload row on import.
    "upload_action": {
        "insert": N_("New site"),
        "update": N_("Update"),
        "unchanged": N_("Unchanged"),
    },
    # Runs and background exports.
    "status": {
        "queued": N_("queued"),
        "running": N_("running"),
        "finished": N_("finished"),
        "failed": N_("failed"),
        "expired": N_("expired"),
    },
    # A worker's step ("travel times: care"), head and service.
    "step": {
        "loading data": N_("loading data"),
        "power status": N_("power status"),
        "generators": N_("generators"),
        "heat": N_("heat"),
        "snow zones": N_("snow zones"),
        "travel times": N_("travel times"),
        "summaries": N_("summaries"),
        "storing results": N_("storing results"),
        "waiting to retry": N_("waiting to retry"),
        "done": N_("done"),
    },
    # A site's power status in a run (coverage-model.md, step 1).
    "power_status": {
        "grid": N_("grid"),
        "backup": N_("own backup"),
        "partial": N_("partly without power"),
        "none": N_("without power"),
    },
    "service": {
        "food": N_("food"),
        "care": N_("care"),
        "shelter": N_("shelter"),
    },
    # SMHI's warning levels (warnings in force, the map, the banner).
    "warning": {
        "yellow": N_("Yellow warning"),
        "orange": N_("Orange warning"),
        "red": N_("Red warning"),
        "message": N_("Message"),
    },
    # What a stored warning is now (services/warnings.py, state).
    "warning_state": {
        "in_force": N_("in force"),
        "upcoming": N_("not yet in force"),
        "ended": N_("ended"),
        "expired": N_("ended (end time passed)"),
        "stale": N_("ended (no end time, older than the set age)"),
        "updated": N_("updated"),
    },
    # A snow zone's level in a scenario, and as a warning.
    "level": {
        "yellow": N_("yellow"),
        "orange": N_("orange"),
        "red": N_("red"),
    },
    "level_warning": {
        "yellow": N_("yellow warning"),
        "orange": N_("orange warning"),
        "red": N_("red warning"),
    },
    "scenario": {
        "builtin": N_("built-in"),
        "live": N_("live (warnings)"),
        "user": N_("own"),
    },
    # The figures of a run, per municipality and compared.
    "metric": {
        "population": N_("Population"),
        "food": N_("Without food"),
        "care": N_("Without care"),
        "shelter": N_("Without warm shelter"),
        "care_sites_unpowered": N_("Care sites without power"),
        "residents_unpowered": N_("Residents without power"),
        "home_care_clients_unpowered": N_("Home-care clients whose base lacks power"),
        "resident_hours_unpowered": N_("Resident-hours without power"),
        "generators_assigned": N_("Generators assigned"),
        "care_sites_cold": N_("Care sites cold"),
        "residents_cold": N_("Residents in cold buildings"),
        "resident_hours_cold": N_("Resident-hours cold"),
        "shelters_cold": N_("Warm shelters cold"),
        "food_stock_days": N_("Food stock, days"),
        "food_stock_days_baseline": N_("Food stock, days normally"),
        "food_stock_deficit_person_days": N_("Short of the target, person-days"),
        "food_sites_stock_unknown": N_("Food sites with unknown stock"),
    },
    # Export layers: the map's, and a run's.
    "layer": {
        "municipalities": N_("Municipalities"),
        "population": N_("Population grid"),
        **{c.name: c.label for c in SITE_CATEGORIES},
        "roads": N_("Roads"),
    },
    "run_layer": {
        "sites": N_("Sites with their power status"),
        "cells": N_("Grid cells with travel times"),
        "municipalities": N_("Summary per municipality"),
        "gaps": N_("Gap areas per service"),
        "timeline": N_("Timeline per hour"),
        "closed_roads": N_("Closed roads"),
    },
    # How an export was delivered (the export log).
    # What a login lockout locks (services/login_limits.py).
    "login_lock": {
        "account": N_("Account"),
        "address": N_("Client address"),
    },
    "export_mode": {
        "direct": N_("direct"),
        "background": N_("background"),
        "download": N_("download"),
    },
    # Road classes (coverage-model.md, "Roads (v3)"; analysis.model.ROAD_SPEEDS).
    "road_class": {
        "motorway": N_("motorway"),
        "trunk": N_("trunk road"),
        "primary": N_("primary road"),
        "secondary": N_("secondary road"),
        "tertiary": N_("tertiary road"),
        "unclassified": N_("minor road"),
        "residential": N_("residential street"),
        "service": N_("service road"),
        "track": N_("track"),
    },
    # Why a road line was refused at import (geodata/loaders/roads.py, REASONS).
    "road_refusal": {
        "not_a_line": N_("not a line"),
        "empty_geometry": N_("empty or missing geometry"),
        "invalid_geometry": N_("invalid geometry"),
        "missing_class": N_("no road class"),
        "unknown_class_without_speed": N_("a road class without a default speed, and no speed"),
        "speed_not_positive": N_("the speed must be above 0"),
        "speed_not_a_number": N_("the speed is not a number"),
        "outside_area": N_("outside the area the network may cover"),
    },
    # The energy imports.
    "energy_import": {
        "register": N_("Buildings (the register)"),
        "measures": N_("Energy-saving measures"),
        "readings": N_("Meter readings"),
    },
}


# Groups whose codes include the site categories: those come from the registry as it is
# when asked (vocabulary.CATEGORY), so a category registered later is named too.
_CATEGORY_GROUPS = ("category", "layer")


def _names(group: str) -> dict[str, str]:
    if group not in _CATEGORY_GROUPS:
        return NAMES[group]
    return NAMES[group] | {c.name: c.label for c in CATEGORY.values()}


def label(group: str, code: str | None) -> str:
    """The display name of `code` in the page's language; the code itself when unnamed."""
    if code is None:
        return ""
    name = _names(group).get(code)
    return gettext(name) if name is not None else code


def labels(group: str) -> dict[str, str]:
    """Every code of a group with its display name, in the order above."""
    return {code: gettext(name) for code, name in _names(group).items()}


def code_labels(*groups: str) -> dict[str, dict[str, str]]:
    """Per group, each code's display name in Swedish and in English, lower-cased, to the
    code: what an upload may write instead of the code ("Äldreboende" for elderly_home)."""
    result: dict[str, dict[str, str]] = {}
    for group in groups:
        found: dict[str, str] = {}
        for language in ("sv", "en"):
            with force_locale(language):
                for code, name in labels(group).items():
                    found.setdefault(unicodedata.normalize("NFC", name.lower()), code)
        result[group] = found
    return result


def all_labels() -> dict[str, dict[str, str]]:
    return {group: labels(group) for group in NAMES}
