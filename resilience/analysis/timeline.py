"""The timeline of coverage-model.md ("Time (v2)"): figures at the instants t_k, from
intervals, without stepping through time.

Each state (unpowered, cold, a provider powered) holds on a few intervals per site, so the
instants it holds at are a range of k found by binary search in the sorted instants; a
per-area series is then a cumulative sum of +weight at the range's start and -weight at its
end. Exact: the comparisons are those of the model, made on the instants themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from resilience.analysis.model import SERVICES, FloatArray, IntArray


def during(hours: FloatArray, start: FloatArray, end: FloatArray) -> tuple[IntArray, IntArray]:
    """[k0, k1): the instants with start <= t_k < end (closed at start, open at end)."""
    k0 = np.searchsorted(hours, start, side="left")
    k1 = np.searchsorted(hours, end, side="left")
    return k0, np.maximum(k0, k1)


def after(hours: FloatArray, threshold: FloatArray, end: FloatArray) -> tuple[IntArray, IntArray]:
    """[k0, k1): the instants with threshold < t_k < end (open at both ends)."""
    k0 = np.searchsorted(hours, threshold, side="right")
    k1 = np.searchsorted(hours, end, side="left")
    return k0, np.maximum(k0, k1)


def area_series(
    area: IntArray,
    k0: IntArray,
    k1: IntArray,
    weights: FloatArray,
    n_areas: int,
    n_hours: int,
) -> FloatArray:
    """Per area and instant, the sum of weights of the items whose ranges hold it.

    area, weights: one per item; k0, k1: (items,) or (items, m) ranges, m per item (they
    must not overlap within an item). Returns (n_areas, n_hours) float64 (exact for sums of
    integers below 2**53).
    """
    if k0.ndim == 1:
        k0, k1 = k0[:, None], k1[:, None]
    width = n_hours + 1
    base = (area * width)[:, None]
    w = np.broadcast_to(weights[:, None], k0.shape)
    held = k1 > k0
    index = np.concatenate([(base + k0)[held], (base + k1)[held]])
    values = np.concatenate([w[held], -w[held]])
    diff = np.bincount(index, weights=values, minlength=n_areas * width)
    # bincount with weights is float64 (its stubs say int); the dtype says so to mypy.
    return np.cumsum(diff.reshape(n_areas, width), axis=1, dtype=np.float64)[:, :n_hours]


# The counts of a Series that are not per service, in the order of its documents.
COUNTS = (
    "care_sites_unpowered",
    "residents_unpowered",
    "care_sites_cold",
    "residents_cold",
    "home_care_clients_unpowered",
)


@dataclass(frozen=True)
class Series:
    """Timeline figures of one area (a municipality, what lies in none, the county), one
    value per instant: counts of care sites and people."""

    care_sites_unpowered: IntArray
    residents_unpowered: IntArray
    care_sites_cold: IntArray
    residents_cold: IntArray
    uncovered: dict[str, IntArray]  # per service
    # v3: clients of home-care bases unpowered; people unreachable per service.
    home_care_clients_unpowered: IntArray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )
    unreachable: dict[str, IntArray] = field(default_factory=dict)

    def columns(self) -> dict[str, IntArray]:
        """The series as flat columns, v3's defaults (zeros) filled in: each count by its
        name, the per-service ones as uncovered_food, ..., unreachable_shelter (the columns
        of run_timeline)."""
        n = self.care_sites_unpowered.size
        zeros = np.zeros(n, dtype=np.int64)
        home_care = self.home_care_clients_unpowered
        return {
            "care_sites_unpowered": self.care_sites_unpowered,
            "residents_unpowered": self.residents_unpowered,
            "care_sites_cold": self.care_sites_cold,
            "residents_cold": self.residents_cold,
            "home_care_clients_unpowered": home_care if home_care.size == n else zeros,
            **{f"uncovered_{s}": self.uncovered[s] for s in SERVICES},
            **{f"unreachable_{s}": self.unreachable.get(s, zeros) for s in SERVICES},
        }

    def to_dict(self) -> dict[str, Any]:
        columns = self.columns()
        return {
            **{name: columns[name].tolist() for name in COUNTS},
            "uncovered": {s: columns[f"uncovered_{s}"].tolist() for s in SERVICES},
            "unreachable": {s: columns[f"unreachable_{s}"].tolist() for s in SERVICES},
        }

    @staticmethod
    def rows(
        care_sites_unpowered: FloatArray,
        residents_unpowered: FloatArray,
        care_sites_cold: FloatArray,
        residents_cold: FloatArray,
        uncovered: dict[str, FloatArray],
        home_care_clients_unpowered: FloatArray,
        unreachable: dict[str, FloatArray],
    ) -> list[Series]:
        """One Series per row of (n_areas, n_hours) arrays."""
        as_int = [
            np.rint(a).astype(np.int64)
            for a in (
                care_sites_unpowered,
                residents_unpowered,
                care_sites_cold,
                residents_cold,
                home_care_clients_unpowered,
            )
        ]
        people = {s: np.rint(uncovered[s]).astype(np.int64) for s in SERVICES}
        lost = {s: np.rint(unreachable[s]).astype(np.int64) for s in SERVICES}
        return [
            Series(
                as_int[0][a],
                as_int[1][a],
                as_int[2][a],
                as_int[3][a],
                {s: people[s][a] for s in SERVICES},
                home_care_clients_unpowered=as_int[4][a],
                unreachable={s: lost[s][a] for s in SERVICES},
            )
            for a in range(as_int[0].shape[0])
        ]

    @staticmethod
    def total(parts: list[Series]) -> Series:
        """The sum of areas' series, exactly (integers)."""

        def add(attribute: str) -> IntArray:
            total: IntArray = np.sum([getattr(p, attribute) for p in parts], axis=0, dtype=np.int64)
            return total

        return Series(
            add("care_sites_unpowered"),
            add("residents_unpowered"),
            add("care_sites_cold"),
            add("residents_cold"),
            {s: np.sum([p.uncovered[s] for p in parts], axis=0, dtype=np.int64) for s in SERVICES},
            home_care_clients_unpowered=add("home_care_clients_unpowered"),
            unreachable={
                s: np.sum([p.unreachable[s] for p in parts], axis=0, dtype=np.int64)
                for s in SERVICES
            },
        )


@dataclass(frozen=True, eq=False)
class Timeline:
    """The timeline: the instants (hours) and the series of every area.

    municipalities: code → Series, in code order; no_municipality: what lies in none;
    county: their sum. covered_rows[service] are the rows (into the cell table) of the
    populated cells not covered in the scenario of step 3, covered_at[service] whether each
    is covered at each instant (rows × instants); every other populated cell is covered at
    every instant exactly when it is covered in step 3.
    """

    hours: FloatArray
    municipalities: dict[str, Series]
    no_municipality: Series
    county: Series
    covered_rows: dict[str, IntArray]
    covered_at: dict[str, np.ndarray]

    def to_dict(self) -> dict[str, Any]:
        return {
            "hours": self.hours.tolist(),
            "county": self.county.to_dict(),
            "municipalities": {code: s.to_dict() for code, s in self.municipalities.items()},
        }
