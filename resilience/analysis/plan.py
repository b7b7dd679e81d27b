"""The backup-power plan (coverage-model.md, "Backup-power plan (v2)"): which care sites to
equip with fixed backup power first, judged over a set of scenarios.

Greedy: K times, equip the candidate whose addition gives the lowest objective, the sum over
the scenarios of the county's resident_hours_unpowered (steps 1-2) or resident_hours_cold
(Heat), with step 2 run again on the changed F. Ties: lower priority number, more
residents, source_id as text, site id. Stop early when no candidate lowers the objective.

Steps 1-2 and Heat are those of coverage.py. Evaluating a candidate recomputes only what
changes. Equipping a site changes its own F only, and step 2's choice of generator does not
depend on F, so the dispatch changes only when the site leaves it (its hours_unpowered
before becomes 0): its generator x is then free for the sites after it. Those sites see
exactly one more free generator than before; the first that prefers x (earlier arrival, or
equal and lower in the generator order; or it had none and x is acceptable) takes it and
frees its own, which becomes the extra one, and so on: a chain, found a vectorised search
at a time in a precomputed (visited site × generator) arrival matrix. After each choice the
scenario's steps 1-2 run again in full (power_steps), so errors cannot accumulate.

Sums are exact: an objective is the correctly rounded sum (math.fsum) of residents × hours
over every care site and scenario, so equal multisets of terms give equal values and a
candidate that changes nothing ties with the current value exactly. The current sum is kept
as a few floats whose exact sum it is, so a candidate's value is fsum of those and its few
changed terms.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from resilience.analysis.coverage import (
    PowerSteps,
    arrival_matrix,
    care_priority,
    dispatch_order,
    generator_fuel,
    generator_hours,
    plant_power_back,
    plant_power_end,
    power_steps,
    redispatch,
    resident_counts,
    site_heat,
)
from resilience.analysis.heat import resolve_plants, time_constants
from resilience.analysis.model import (
    MODEL_VERSION,
    BoolArray,
    FloatArray,
    IntArray,
    ObjectArray,
    Scenario,
    SiteTable,
    is_none,
    text_rank,
)
from resilience.analysis.roads import RoadNetwork, RoadState, road_state

UNPOWERED = "resident_hours_unpowered"
COLD = "resident_hours_cold"
OBJECTIVES: tuple[str, ...] = (UNPOWERED, COLD)

# Largest K accepted: a plan is for a budget, not for every site of the country.
MAX_SITES = 500

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class PlanParameters:
    """sites: K (how many sites to equip at most, >= 1); plan_fuel_hours: H, the fuel hours
    of the installed backup (hours, >= 0); objective: one of OBJECTIVES."""

    sites: int = 10
    plan_fuel_hours: float = 72.0
    objective: str = UNPOWERED

    def __post_init__(self) -> None:
        if isinstance(self.sites, bool) or not isinstance(self.sites, int):
            raise ValueError(f"parameter 'sites' must be a whole number, not {self.sites!r}")
        if not 1 <= self.sites <= MAX_SITES:
            raise ValueError(f"parameter 'sites' must be between 1 and {MAX_SITES}")
        fuel = self.plan_fuel_hours
        if isinstance(fuel, bool) or not isinstance(fuel, int | float) or not math.isfinite(fuel):
            raise ValueError(f"parameter 'plan_fuel_hours' must be a number, not {fuel!r}")
        if fuel < 0:
            raise ValueError("parameter 'plan_fuel_hours' must be >= 0")
        object.__setattr__(self, "plan_fuel_hours", float(fuel))
        if self.objective not in OBJECTIVES:
            raise ValueError(
                f"unknown objective {self.objective!r}; use one of {', '.join(OBJECTIVES)}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "sites": self.sites,
            "plan_fuel_hours": self.plan_fuel_hours,
            "objective": self.objective,
        }


@dataclass(frozen=True)
class GeneratorMove:
    """A mobile generator whose assignment a step changes in one scenario: rows in the
    SiteTable of the generator, of the site that had it before the step (None: it was
    free) and of the one that has it after (None: it stays free)."""

    generator: int
    before: int | None
    after: int | None


@dataclass(frozen=True)
class PlanStep:
    """One equipped site: its row in the SiteTable, the objective's marginal reduction, the
    objective after it, the reduction per scenario id (person-hours), and per scenario id
    the generators whose assignment it changes (in the order step 2 hands them on; a
    scenario where none changes has an empty tuple)."""

    row: int
    site_id: int
    source_id: str
    municipality: str | None
    reduction: float
    objective_after: float
    per_scenario: dict[str, float]
    moves: dict[str, tuple[GeneratorMove, ...]] = field(default_factory=dict)

    def matters(self) -> list[str]:
        """The scenario ids where equipping it changes something: resident-hours or a
        generator's assignment, in the plan's order of scenarios."""
        return [k for k, v in self.per_scenario.items() if v != 0 or self.moves.get(k)]


@dataclass(frozen=True)
class Plan:
    """The outcome of plan(): the ranked steps, at most K, and the evaluation count."""

    parameters: PlanParameters
    scenario_ids: tuple[str, ...]
    objective_before: float
    per_scenario_before: dict[str, float]
    steps: tuple[PlanStep, ...]
    evaluations: int
    # The SiteTable's ids and source ids by row, for the moves of the document.
    site_ids: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    source_ids: ObjectArray = field(default_factory=lambda: np.zeros(0, dtype=object), repr=False)

    def to_document(
        self,
        names: Mapping[int, str | None] | None = None,
        scenario_parameters: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The plan document of coverage-model.md ("Result document"). names: site id →
        name; scenario_parameters: each scenario's effective parameters, if wanted."""
        known = names or {}
        parameters: dict[str, Any] = self.parameters.to_dict()
        if scenario_parameters is not None:
            parameters["scenarios"] = {k: dict(v) for k, v in scenario_parameters.items()}
        return {
            "model_version": MODEL_VERSION,
            "parameters": parameters,
            "scenarios": list(self.scenario_ids),
            "objective": self.parameters.objective,
            "objective_before": self.objective_before,
            "steps": [
                {
                    "site_id": step.site_id,
                    "source_id": step.source_id,
                    "name": known.get(step.site_id),
                    "municipality": step.municipality,
                    "reduction": step.reduction,
                    "objective_after": step.objective_after,
                    "per_scenario": dict(step.per_scenario),
                    "effects": {
                        key: {
                            "reduction": step.per_scenario[key],
                            "generators": [
                                self._move(move, known) for move in step.moves.get(key, ())
                            ],
                        }
                        for key in step.matters()
                    },
                }
                for step in self.steps
            ],
        }

    def _move(self, move: GeneratorMove, names: Mapping[int, str | None]) -> dict[str, Any]:
        """A generator move as the document says it: ids, source ids and names."""

        def site(row: int | None, prefix: str) -> dict[str, Any]:
            if row is None:
                return {f"{prefix}_id": None, f"{prefix}_source_id": None, f"{prefix}_name": None}
            site_id = int(self.site_ids[row])
            return {
                f"{prefix}_id": site_id,
                f"{prefix}_source_id": str(self.source_ids[row]),
                f"{prefix}_name": names.get(site_id),
            }

        return {
            **site(move.generator, "generator"),
            **site(move.before, "from"),
            **site(move.after, "to"),
        }

    def site_rows(self) -> list[int]:
        """Every SiteTable row the plan names: its sites, the generators they move and the
        sites those come from and go to (whose names the document wants)."""
        rows = {step.row for step in self.steps}
        for step in self.steps:
            for moves in step.moves.values():
                for move in moves:
                    rows |= {r for r in (move.generator, move.before, move.after) if r is not None}
        return sorted(rows)


def exact_parts(values: Sequence[float]) -> list[float]:
    """Floats whose exact sum is the exact sum of values (the first is its fsum)."""
    parts: list[float] = []
    terms = list(values)
    while True:
        rest = math.fsum(terms + [-p for p in parts])
        if rest == 0.0:
            return parts
        parts.append(rest)


def _difference(before: Sequence[float], after: Sequence[float]) -> float:
    """The exact difference of two sums given as their terms, correctly rounded."""
    return math.fsum([*before, *(-p for p in after)])


class _ScenarioState:
    """One scenario of S: what does not change with F, and the current steps 1-2."""

    def __init__(
        self, sites: SiteTable, scenario: Scenario, cold: bool, roads: RoadState | None = None
    ) -> None:
        self.sites = sites
        self.scenario = scenario
        self.duration = scenario.outage_duration
        self.latest = scenario.parameters.mobile_max_hours
        self.cold = cold
        self.roads = roads
        first = power_steps(sites, scenario, roads=roads)
        self.first = first
        # D per site, and where its unpowered intervals end (v3).
        self.site_duration = first.site_duration
        self.gap_end = first.gap_end(self.duration)
        self.care = sites.category == "care"
        # v3: home-care bases' clients are no residents of the objectives.
        self.residents = resident_counts(sites)
        # Sites can only leave step 2 as F grows, so the first visit holds every later one.
        visit, self.generators = dispatch_order(sites, first.hours_before)
        self.matrix_row = np.full(len(sites), -1, dtype=np.int64)
        self.matrix_row[visit] = np.arange(visit.size)
        self.arrival = arrival_matrix(
            sites, visit, self.generators, first.site_factor, scenario.parameters, roads
        )
        self.column = np.full(len(sites), -1, dtype=np.int64)
        self.column[self.generators] = np.arange(self.generators.size)
        self.g_fuel = generator_fuel(sites, self.generators)
        self.plant_end = np.full(len(sites), np.inf)
        self.plant_back = np.zeros(len(sites))
        self.tau = np.full(len(sites), np.nan)
        if cold:
            codes = sorted({str(c) for c in sites.municipality if c is not None})
            area = np.full(len(sites), len(codes), dtype=np.int64)
            known = ~is_none(sites.municipality)
            area[known] = np.searchsorted(
                np.asarray(codes, dtype=str), sites.municipality[known].astype(str)
            )
            plants = resolve_plants(sites, area, len(codes))
            self.plant_end = plant_power_end(first, plants)
            self.plant_back = plant_power_back(first, plants)
            self.tau = time_constants(sites)
        self.set_steps(first)

    def set_steps(self, steps: PowerSteps) -> None:
        """Adopt steps 1-2 as the current state and derive what candidates are judged by."""
        self.steps = steps
        self.visit = dispatch_order(self.sites, steps.hours_before)[0]
        self.position = np.full(len(self.sites), -1, dtype=np.int64)
        self.position[self.visit] = np.arange(self.visit.size)
        self.visit_row = self.matrix_row[self.visit]
        assigned = steps.generator_index[self.visit]
        self.visit_column = np.where(assigned >= 0, self.column[np.maximum(assigned, 0)], -1)
        self.visit_arrival = np.where(
            self.visit_column >= 0, steps.arrival_hours[self.visit], np.inf
        )
        self.term = self.residents * self.objective_hours(
            np.arange(len(self.sites)),
            steps.own_hours,
            steps.generator_index,
            steps.arrival_hours,
            steps.hours_after,
        )
        care_rows = np.flatnonzero(self.care)
        self.parts = exact_parts(self.term[care_rows].tolist())

    def objective_hours(
        self,
        rows: IntArray,
        own: FloatArray,
        generator: IntArray,
        arrival: FloatArray,
        hours_after: FloatArray,
    ) -> FloatArray:
        """Hours of the objective for the sites of rows (arrays parallel to rows)."""
        if not self.cold:
            return hours_after
        state = site_heat(
            self.steps.in_outage[rows] & self.steps.stepped[rows],
            own,
            generator,
            arrival,
            generator_fuel(self.sites, generator),
            self.plant_end[rows],
            self.tau[rows],
            self.scenario,
            self.gap_end[rows],
            self.plant_back[rows],
        )
        return state.hours_cold

    def equip(self, own: FloatArray) -> PowerSteps:
        """Steps 1-2 in full with F = own (the chosen site equipped)."""
        first = self.first
        return redispatch(
            self.sites,
            self.scenario,
            first.site_factor,
            first.stepped,
            first.in_outage,
            own,
            first.site_duration,
            self.roads,
        )

    def changes(self, rows: IntArray, fuel_hours: float) -> list[list[float]]:
        """For each candidate of rows, the terms (-old, +new) its equipment changes."""
        steps = self.steps
        duration = self.site_duration[rows]
        own = np.maximum(steps.own_hours[rows], fuel_hours)
        inside = steps.in_outage[rows]
        before = np.where(inside, np.maximum(0.0, duration - own), 0.0)
        leaves = inside & (steps.hours_before[rows] > 0) & (before == 0)
        generator = np.where(leaves, -1, steps.generator_index[rows])
        arrival = np.where(generator >= 0, steps.arrival_hours[rows], np.nan)
        fuel = generator_fuel(self.sites, generator)
        after = np.where(generator >= 0, generator_hours(duration, arrival, own, fuel), before)
        new = self.residents[rows] * self.objective_hours(rows, own, generator, arrival, after)
        old = self.term[rows]
        out: list[list[float]] = []
        for i, (row, o, n) in enumerate(
            zip(rows.tolist(), old.tolist(), new.tolist(), strict=True)
        ):
            terms = [] if o == n else [-o, n]
            if leaves[i] and steps.generator_index[row] >= 0:
                terms += self._chain(row)
            out.append(terms)
        return out

    def _chain(self, row: int) -> list[float]:
        """The terms of the sites whose generator changes when site row leaves step 2."""
        steps = self.steps
        x = int(self.column[steps.generator_index[row]])
        k = int(self.position[row]) + 1
        sites: list[int] = []
        columns: list[int] = []
        arrivals: list[float] = []
        while k < self.visit.size:
            a = self.arrival[self.visit_row[k:], x]
            had = self.visit_column[k:]
            mine = self.visit_arrival[k:]
            takes = np.where(
                had < 0,
                (a <= self.latest) & (a < self.site_duration[self.visit[k:]]),
                (a < mine) | ((a == mine) & (x < had)),
            )
            hit = np.flatnonzero(takes)
            if hit.size == 0:
                break
            j = k + int(hit[0])
            sites.append(int(self.visit[j]))
            columns.append(x)
            arrivals.append(float(a[hit[0]]))
            if self.visit_column[j] < 0:
                break
            x = int(self.visit_column[j])
            k = j + 1
        if not sites:
            return []
        rows = np.asarray(sites, dtype=np.int64)
        generator = self.generators[np.asarray(columns, dtype=np.int64)]
        arrival = np.asarray(arrivals)
        own = steps.own_hours[rows]
        after = generator_hours(self.site_duration[rows], arrival, own, self.g_fuel[columns])
        new = self.residents[rows] * self.objective_hours(rows, own, generator, arrival, after)
        old = self.term[rows]
        return [*(-old).tolist(), *new.tolist()]


def plan(
    sites: SiteTable,
    scenarios: Sequence[tuple[str, Scenario]],
    parameters: PlanParameters | None = None,
    *,
    eligible: BoolArray | None = None,
    progress: Progress | None = None,
    roads: RoadNetwork | None = None,
) -> Plan:
    """The greedy backup-power plan over the scenarios (id, Scenario), ids unique.

    eligible, if given, restricts the candidates further (e.g. to one municipality's care
    sites). progress is called with a fraction 0..1 and a short step name. roads (v3): the
    road network generators travel on, None for straight lines. Raises ValueError on no
    scenarios, duplicate ids, or a heat_plant naming no plant.
    """
    settings = parameters if parameters is not None else PlanParameters()
    ids = tuple(str(key) for key, _ in scenarios)
    if not ids:
        raise ValueError("a plan needs at least one scenario")
    if len(set(ids)) != len(ids):
        raise ValueError("the plan's scenarios must be distinct")
    report: Progress = progress if progress is not None else (lambda fraction, step: None)
    cold = settings.objective == COLD
    states = [
        _ScenarioState(
            sites, scenario, cold, None if roads is None else road_state(roads, scenario)
        )
        for _, scenario in scenarios
    ]
    care = sites.category == "care"
    unpowered = np.zeros(len(sites), dtype=bool)
    for state in states:
        unpowered |= state.first.hours_before > 0
    open_ = care & unpowered
    if eligible is not None:
        open_ &= np.asarray(eligible, dtype=bool)
    priority = np.full(len(sites), np.inf)
    priority[care] = care_priority(sites, np.flatnonzero(care))
    # The tie-break's "more residents" is the sites' own residents (home-care bases too).
    residents = np.nan_to_num(sites.residents, nan=0.0)
    source = text_rank(sites.source_id)
    fuel_hours = settings.plan_fuel_hours

    before_each = {key: math.fsum(s.parts) for key, s in zip(ids, states, strict=True)}
    current = math.fsum([p for s in states for p in s.parts])
    objective_before = current
    steps: list[PlanStep] = []
    evaluations = 0
    for number in range(settings.sites):
        report(number / settings.sites, f"site {number + 1}")
        rows = np.flatnonzero(open_)
        if rows.size == 0:
            break
        base = [p for s in states for p in s.parts]
        terms: list[list[float]] = [[] for _ in range(rows.size)]
        for state in states:
            for mine, extra in zip(terms, state.changes(rows, fuel_hours), strict=True):
                mine.extend(extra)
        values = np.asarray([math.fsum(base + t) if t else current for t in terms])
        evaluations += rows.size * len(states)
        order = np.lexsort((sites.id[rows], source[rows], -residents[rows], priority[rows], values))
        best = int(order[0])
        if not values[best] < current:
            break
        row = int(rows[best])
        open_[row] = False
        previous = [list(state.parts) for state in states]
        moves: dict[str, tuple[GeneratorMove, ...]] = {}
        for key, state in zip(ids, states, strict=True):
            own = state.steps.own_hours.copy()
            own[row] = max(float(own[row]), fuel_hours)
            before, order = state.steps.generator_index, state.position
            state.set_steps(state.equip(own))
            moves[key] = generator_moves(before, state.steps.generator_index, order)
        after = math.fsum([p for s in states for p in s.parts])
        per_scenario = {
            key: _difference(old, state.parts)
            for key, old, state in zip(ids, previous, states, strict=True)
        }
        municipality = sites.municipality[row]
        steps.append(
            PlanStep(
                row=row,
                site_id=int(sites.id[row]),
                source_id=str(sites.source_id[row]),
                municipality=None if municipality is None else str(municipality),
                reduction=_difference(base, [p for s in states for p in s.parts]),
                objective_after=after,
                per_scenario=per_scenario,
                moves=moves,
            )
        )
        current = after
    report(1.0, "done")
    return Plan(
        parameters=settings,
        scenario_ids=ids,
        objective_before=objective_before,
        per_scenario_before=before_each,
        steps=tuple(steps),
        evaluations=evaluations,
        site_ids=np.asarray(sites.id, dtype=np.int64),
        source_ids=np.asarray(sites.source_id, dtype=object),
    )


def generator_moves(
    before: IntArray, after: IntArray, position: IntArray
) -> tuple[GeneratorMove, ...]:
    """The generators whose site differs between two step-2 assignments (generator_index
    before and after, -1: none), in the order of the sites that had them in step 2's visit
    (position: a site's place in it before; a generator that was free last), each with the
    site before and after (None: free)."""
    changed = np.flatnonzero(before != after)
    generators = sorted({int(g) for g in np.concatenate([before[changed], after[changed]])} - {-1})
    had = {int(g): int(r) for r, g in enumerate(before.tolist()) if g >= 0}
    has = {int(g): int(r) for r, g in enumerate(after.tolist()) if g >= 0}
    moves = [
        GeneratorMove(g, had.get(g), has.get(g)) for g in generators if had.get(g) != has.get(g)
    ]
    last = np.iinfo(np.int64).max
    moves.sort(key=lambda m: (last if m.before is None else int(position[m.before]), m.generator))
    return tuple(moves)
