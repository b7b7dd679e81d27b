"""Heat (coverage-model.md, "Time (v2)" and "Heat (v2)"): when each site is powered and
heated during [0, D), which district heating plant it depends on, and its indoor cooling in
closed form.

A site's powered instants are at most two windows, [0, e1) and [s2, e2): its own backup (e1 =
F inside the outage, inf outside) and an assigned generator (s2 = max(A, F), e2 = s2 + G).
Heated is powered and, for a site on a plant, the plant powered: both windows cut at the
plant's own end P. The complement in [0, D) is at most two maximal intervals, because the
windows are separated by a gap or touch. Intervals are (start, end) arrays of shape (n, 2);
an empty one is (D, D).

Hours throughout; temperatures in °C; distances Euclidean in EPSG:3006 metres.
"""

from __future__ import annotations

import numpy as np

from resilience.analysis.model import (
    BoolArray,
    FloatArray,
    IntArray,
    Parameters,
    SiteTable,
    is_none,
    text_rank,
)
from resilience.vocabulary import (
    DISTRICT_HEATING,
    DISTRICT_HEATING_PLANT,
    HEATED_CATEGORIES,
    INDOOR_CATEGORIES,
    UTILITY,
)

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

# Sites whose nearest plant is looked up at once: bounds the (sites × plants) matrix.
_PLANT_BLOCK = 2048


def resolve_plants(sites: SiteTable, site_area: IntArray, no_area: int) -> IntArray:
    """The row of the plant each site depends on, -1 for none.

    A care, food or energy site with heating district_heating depends on the utility site
    named by its heat_plant, else on the nearest district_heating_plant of its municipality
    (Euclidean, ties by source_id as text, then id); a site in no municipality has no
    municipality to share. Raises ValueError when any site's heat_plant names no utility
    site, or names a source_id that several utility sites share.
    """
    plant_index = np.full(len(sites), -1, dtype=np.int64)
    plants = np.flatnonzero((sites.category == UTILITY) & (sites.kind == DISTRICT_HEATING_PLANT))
    # Plants in tie-break order, so that the first minimum is the lowest source_id.
    plants = plants[np.lexsort((sites.id[plants], text_rank(sites.source_id[plants])))]
    plant_source = sites.source_id[plants].astype(str)

    named = np.flatnonzero(~is_none(sites.heat_plant))
    if named.size:
        wanted = sites.heat_plant[named].astype(str)
        first = np.searchsorted(plant_source, wanted, side="left")
        last = np.searchsorted(plant_source, wanted, side="right")
        missing = first == last
        if missing.any():
            bad = named[missing][0]
            raise ValueError(
                f"site {sites.source_id[bad]!r} names heat_plant {sites.heat_plant[bad]!r}, "
                "which is no district heating plant among the sites"
            )
        ambiguous = last - first > 1
        if ambiguous.any():
            bad = named[ambiguous][0]
            raise ValueError(
                f"site {sites.source_id[bad]!r} names heat_plant {sites.heat_plant[bad]!r}, "
                "which several district heating plants share as source_id"
            )
        plant_index[named] = plants[first]

    district = np.isin(sites.category, HEATED_CATEGORIES) & (sites.heating == DISTRICT_HEATING)
    plant_index[~district] = -1
    unnamed = np.flatnonzero(district & is_none(sites.heat_plant) & (site_area != no_area))
    if unnamed.size == 0 or plants.size == 0:
        return plant_index
    px, py, p_area = sites.x[plants], sites.y[plants], site_area[plants]
    for start in range(0, unnamed.size, _PLANT_BLOCK):
        block = unnamed[start : start + _PLANT_BLOCK]
        dx = sites.x[block][:, None] - px[None, :]
        dy = sites.y[block][:, None] - py[None, :]
        distance = np.sqrt(dx * dx + dy * dy)
        distance[site_area[block][:, None] != p_area[None, :]] = np.inf
        column = distance.argmin(axis=1)
        found = np.isfinite(distance[np.arange(block.size), column])
        plant_index[block[found]] = plants[column[found]]
    return plant_index


def powered_windows(
    in_outage: BoolArray,
    own_hours: FloatArray,
    generator_index: IntArray,
    arrival_hours: FloatArray,
    generator_fuel: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(e1, s2, e2) per site: powered during [0, e1) and [s2, e2), hours.

    e1 is F inside the outage and inf outside it; with a generator s2 = max(A, F) and
    e2 = s2 + G (G inf when its fuel is null), without one s2 = e2 = inf (no window).
    generator_fuel is G per site (any value where no generator is assigned).
    """
    e1 = np.where(in_outage, own_hours, np.inf)
    assigned = generator_index >= 0
    s2 = np.where(assigned, np.maximum(arrival_hours, own_hours), np.inf)
    e2 = np.where(assigned, s2 + np.where(assigned, generator_fuel, 0.0), np.inf)
    return e1, s2, e2


def gaps(
    e1: FloatArray, s2: FloatArray, e2: FloatArray, duration: float | FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The maximal intervals of [0, D) outside the windows [0, e1) and [s2, e2).

    Returns (start, end), each (n, 2); an empty interval is (D, D). The second window, when
    it is not empty and starts before D, always starts at or after e1 (s2 = max(A, F)).
    """
    d = np.broadcast_to(np.asarray(duration, dtype=np.float64), e1.shape)
    second = (e2 > s2) & (s2 < d)
    start = np.empty((e1.size, 2))
    end = np.empty((e1.size, 2))
    start[:, 0] = np.minimum(e1, d)
    end[:, 0] = np.where(second, np.minimum(s2, d), d)
    start[:, 1] = np.where(second, np.minimum(e2, d), d)
    end[:, 1] = d
    return start, end


def heated_windows(
    e1: FloatArray, s2: FloatArray, e2: FloatArray, plant_end: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The powered windows cut at the plant's end P (inf for no plant): heated windows."""
    return np.minimum(e1, plant_end), s2, np.minimum(e2, plant_end)


def unheated_intervals(
    unpowered_start: FloatArray,
    unpowered_end: FloatArray,
    plant_end: FloatArray,
    plant_duration: FloatArray,
    pad: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """The maximal unheated intervals: the site's unpowered intervals (n, 2) joined with its
    plant's [P, D_plant) (v3: the plant is powered again from its own D; empty when P >=
    D_plant, as for no plant).

    Returns (start, end) of shape (n, m), m >= 2, sorted by start, empty ones last as (pad,
    pad). With the plant's D equal to the site's (v2), this is the complement of the heated
    windows [0, min(e1, P)) and [s2, min(e2, P)) in [0, D), as in version 2.
    """
    n = unpowered_start.shape[0]
    start = np.column_stack((unpowered_start, plant_end))
    end = np.column_stack((unpowered_end, plant_duration))
    empty = ~(end > start)
    start = np.where(empty, np.inf, start)
    end = np.where(empty, np.inf, end)
    order = np.argsort(start, axis=1, kind="stable")
    start = np.take_along_axis(start, order, axis=1)
    end = np.take_along_axis(end, order, axis=1)
    m = start.shape[1]
    out_start = np.full((n, m), np.inf)
    out_end = np.full((n, m), np.inf)
    count = np.zeros(n, dtype=np.int64)
    rows = np.arange(n)
    current_start, current_end = start[:, 0].copy(), end[:, 0].copy()
    for j in range(1, m):
        valid = np.isfinite(start[:, j])
        joins = valid & (start[:, j] <= current_end)  # touching intervals are one
        new = valid & ~joins
        out_start[rows[new], count[new]] = current_start[new]
        out_end[rows[new], count[new]] = current_end[new]
        count += new
        current_end = np.where(joins, np.maximum(current_end, end[:, j]), current_end)
        current_start = np.where(new, start[:, j], current_start)
        current_end = np.where(new, end[:, j], current_end)
    last = np.isfinite(current_start)
    out_start[rows[last], count[last]] = current_start[last]
    out_end[rows[last], count[last]] = current_end[last]
    count += last
    width = max(2, int(count.max()) if n else 0)
    out_start, out_end = out_start[:, :width], out_end[:, :width]
    unused = np.isinf(out_start)
    padding = np.broadcast_to(pad[:, None], out_start.shape)
    return np.where(unused, padding, out_start), np.where(unused, padding, out_end)


def time_constants(sites: SiteTable) -> FloatArray:
    """tau per site (hours): its own thermal_time_constant_hours, else its kind's default;
    NaN for sites the model does not follow indoors (not care or energy)."""
    tau = np.full(len(sites), np.nan)
    for (category, kind), value in DEFAULT_TAU_HOURS.items():
        tau[(sites.category == category) & (sites.kind == kind)] = value
    own = ~np.isnan(sites.thermal_time_constant_hours)
    tau[own] = sites.thermal_time_constant_hours[own]
    tau[~np.isin(sites.category, INDOOR_CATEGORIES)] = np.nan
    return tau


def cold_figures(
    start: FloatArray, end: FloatArray, tau: FloatArray, parameters: Parameters
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(t*, hours_cold, first_cold_hour, min_indoor_c) per site, from its unheated intervals.

    t* = tau · ln((T_0 - T_out) / (T_c - T_out)); hours_cold = sum of max(0, (b - a) - t*);
    first_cold_hour = least a + t* over intervals longer than t* (NaN if none); min_indoor_c
    = T_out + (T_0 - T_out) · exp(-L / tau), L the longest interval (T_0 if none). NaN
    throughout where tau is NaN.
    """
    t_out, t_0 = parameters.outdoor_c, parameters.indoor_c
    tstar = tau * parameters.cold_after_ratio
    length = end - start
    excess = np.maximum(0.0, length - tstar[:, None])
    hours_cold = excess[:, 0].copy()
    for j in range(1, excess.shape[1]):
        hours_cold = hours_cold + excess[:, j]
    onset = np.where(length > tstar[:, None], start + tstar[:, None], np.inf)
    first = onset.min(axis=1)
    first[np.isinf(first)] = np.nan
    longest = length.max(axis=1)
    with np.errstate(invalid="ignore"):
        cooled = t_out + (t_0 - t_out) * np.exp(-longest / tau)
    min_indoor = np.where(longest > 0, cooled, t_0)
    followed = ~np.isnan(tau)
    for array in (hours_cold, first, min_indoor):
        array[~followed] = np.nan
    return tstar, hours_cold, first, min_indoor
