"""services/home_care.py: a run's figures of home-care clients in one shape for the pages,
for a run of model v3 (which counts them apart) and a run stored before it (which did not),
and for a run computed in PostGIS."""

from __future__ import annotations

from sqlalchemy.orm import Session

from resilience.models import Run
from resilience.services import home_care
from resilience.services.run_results import timeline_document
from tests.factories import OUTAGE_ABACKA, finished_run, small_county

KEY = home_care.HOME_CARE_CLIENTS


def test_which_runs_count_clients_apart() -> None:
    assert home_care.counts_clients_apart(Run(model_version=3))
    assert home_care.counts_clients_apart(Run(model_version=4))
    assert not home_care.counts_clients_apart(Run(model_version=2))
    assert not home_care.counts_clients_apart(Run(model_version=None))


def test_a_summary_before_v3_shows_zero_clients_and_keeps_the_rest() -> None:
    stored = {
        "model_version": 2,
        "municipalities": [{"code": "2401", "residents_unpowered": 40}],
        "county": {"residents_unpowered": 40},
    }
    shown = home_care.shown_summary(stored)
    assert shown == {
        "model_version": 2,
        "municipalities": [{KEY: 0, "code": "2401", "residents_unpowered": 40}],
        "county": {KEY: 0, "residents_unpowered": 40},
    }
    assert KEY not in stored["county"]  # the stored document is not changed
    assert home_care.shown_summary({}) == {"municipalities": [], "county": {KEY: 0}}


def test_a_v3_figure_is_shown_as_stored() -> None:
    assert home_care.shown_area({KEY: 7, "code": "2401"}) == {KEY: 7, "code": "2401"}
    timeline = {"hours": [0, 1], "county": {KEY: [3, 4], "residents": [1, 2]}}
    assert home_care.shown_timeline(timeline) == timeline


def test_a_timeline_before_v3_gets_a_series_of_zeros() -> None:
    timeline = {"hours": [0, 6, 12], "county": {"residents": [0, 1, 2]}}
    shown = home_care.shown_timeline(timeline)
    assert shown["county"] == {KEY: [0, 0, 0], "residents": [0, 1, 2]}
    assert "county" in timeline and KEY not in timeline["county"]
    assert home_care.shown_timeline({"hours": []}) == {"hours": []}  # no county: as it is


def test_a_computed_run_carries_the_figures(db_session: Session) -> None:
    small_county(db_session)
    run = db_session.get(Run, finished_run(db_session, OUTAGE_ABACKA))
    assert run is not None and home_care.counts_clients_apart(run)
    shown = home_care.shown_summary(run.summary or {})
    assert shown == run.summary  # v3 stores the figure itself: nothing added
    assert isinstance(shown["county"][KEY], int | float)
    assert all(KEY in area for area in shown["municipalities"])
    document = timeline_document(db_session, run.id)
    assert home_care.shown_timeline(document)["county"][KEY] == document["county"][KEY]
