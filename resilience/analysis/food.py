"""Food stock (coverage-model.md, "Food stock (v2)"): days of food the food sites hold per
municipality and for the county, in the baseline and with the sites operational after
step 2, and the deficit against food_stock_target_days.

Units: person-days of stock, people, days. Stock sums are math.fsum (correctly rounded), so
they do not depend on the order of the sites.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from resilience.analysis.model import BoolArray, FloatArray, IntArray, SiteTable
from resilience.vocabulary import FOOD


@dataclass(frozen=True)
class FoodStock:
    """Food stock figures of one area; days are None where the population is 0."""

    food_stock_days: float | None
    food_stock_days_baseline: float | None
    food_stock_deficit_person_days: float
    food_sites_stock_unknown: int

    @classmethod
    def of(
        cls,
        stock: float,
        stock_baseline: float,
        population: int,
        target_days: float,
        unknown: int,
    ) -> FoodStock:
        """From an area's operational stock, all its stock (person-days) and population."""
        return cls(
            food_stock_days=stock / population if population > 0 else None,
            food_stock_days_baseline=stock_baseline / population if population > 0 else None,
            food_stock_deficit_person_days=max(0.0, target_days * population - stock),
            food_sites_stock_unknown=unknown,
        )


def food_stock(
    sites: SiteTable,
    site_area: IntArray,
    operational: BoolArray,
    population: IntArray,
    target_days: float,
) -> tuple[list[FoodStock], FoodStock]:
    """(one FoodStock per area, as indexed by site_area and population; the county's).

    population: people per area (the last area is "no municipality"). A null stock counts
    as 0 and as unknown. The county uses every food site and the whole population.
    """
    n_areas = population.size
    food = np.flatnonzero(sites.category == FOOD)
    stock = np.nan_to_num(sites.stock_person_days[food], nan=0.0)
    working = operational[food]
    area = site_area[food]
    unknown = np.bincount(area[np.isnan(sites.stock_person_days[food])], minlength=n_areas)
    order = np.argsort(area, kind="stable")
    bounds = np.searchsorted(area[order], np.arange(n_areas + 1))
    areas = []
    for a in range(n_areas):
        mine = order[bounds[a] : bounds[a + 1]]
        areas.append(
            FoodStock.of(
                _fsum(stock[mine][working[mine]]),
                _fsum(stock[mine]),
                int(population[a]),
                target_days,
                int(unknown[a]),
            )
        )
    county = FoodStock.of(
        _fsum(stock[working]),
        _fsum(stock),
        int(population.sum()),
        target_days,
        int(unknown.sum()),
    )
    return areas, county


def _fsum(values: FloatArray) -> float:
    return math.fsum(values.tolist())
