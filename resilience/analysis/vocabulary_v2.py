"""The vocabulary that version 2 of the coverage model adds (coverage-model.md, "Inputs",
"Heat (v2)"): the utility category, heating kinds and default thermal time constants.

Kept in one module of its own, apart from the version 1 block of model.py, so that it can
move into resilience.vocabulary as one piece. Imports nothing from the analysis.
"""

from __future__ import annotations

# Sites whose power status step 1 computes but that step 2 never serves (heat plants).
UTILITY = "utility"
DISTRICT_HEATING_PLANT = "district_heating_plant"
UTILITY_KINDS: tuple[str, ...] = (DISTRICT_HEATING_PLANT,)

# The heating attribute of care, food and energy sites; null means "not district heating".
DISTRICT_HEATING = "district_heating"
HEATING_KINDS: tuple[str, ...] = (DISTRICT_HEATING, "electricity", "heat_pump", "biofuel", "oil")

# Categories whose indoor temperature the model follows, and the one that holds food stock.
HEATED_CATEGORIES: tuple[str, ...] = ("care", "energy")
FOOD = "food"

# Default thermal time constant tau (hours) by (category, kind); a site's own overrides it.
DEFAULT_TAU_HOURS: dict[tuple[str, str], float] = {
    ("care", "hospital"): 96.0,
    ("care", "health_centre"): 48.0,
    ("care", "elderly_home"): 72.0,
    ("care", "group_home"): 48.0,
    ("care", "home_care_base"): 36.0,
    ("energy", "school"): 60.0,
    ("energy", "office"): 48.0,
    ("energy", "sports_hall"): 36.0,
    ("energy", "swimming_pool"): 96.0,
    ("energy", "hospital"): 96.0,
    ("energy", "care_home"): 72.0,
    ("energy", "other"): 48.0,
}
