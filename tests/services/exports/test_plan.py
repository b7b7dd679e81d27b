"""services/exports/plan.py: an export request parsed strictly, checked against the data in
PostGIS (municipality known, run finished), its layers counted and its file named."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from resilience.errors import BadInput, Conflict, NotFound
from resilience.services import runs
from resilience.services.exports import plan
from resilience.services.exports.plan import ExportRequest
from resilience.services.exports.result_sources import RUN_LAYER_IDS
from tests.factories import OUTAGE_ABACKA, finished_run, saved_scenario, small_county

DAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Stormen Ylva", "stormen-ylva"),
        ("Skellefteå kust", "skelleftea-kust"),
        ("Örnsköldsvik", "ornskoldsvik"),
        ("Åsele – Vilhelmina (röd varning)", "asele-vilhelmina-rod-varning"),
        ("Zoë & René", "zoe-rene"),
        ("???", "x"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert plan.slugify(name) == slug


def test_file_names_say_what_and_when() -> None:
    run = ExportRequest(layers=RUN_LAYER_IDS, run_id=12)
    assert (
        plan.file_name(run, DAY, scenario="Stormen Ylva")
        == "vasterbotten_korning-12_stormen-ylva_2026-11-26.gpkg"
    )
    some = ExportRequest(layers=("sites", "timeline"), run_id=12)
    assert (
        plan.file_name(some, DAY, scenario="Storm över Åsele")
        == "vasterbotten_korning-12_storm-over-asele_platser-tidslinje_2026-11-26.gpkg"
    )
    assert plan.file_name(ExportRequest(), DAY) == "vasterbotten_lager_2026-11-26.gpkg"
    assert (
        plan.file_name(ExportRequest("shp", 4326), DAY, municipality="Umeå")
        == "vasterbotten_lager_umea_wgs84_2026-11-26.zip"
    )
    one = ExportRequest("csv", layers=("population",))
    assert plan.file_name(one, DAY) == "vasterbotten_befolkning_2026-11-26.zip"  # with .csvt
    geojson = ExportRequest("geojson", 4326, layers=("care",), category="care")
    assert plan.file_name(geojson, DAY) == "vasterbotten_vard_2026-11-26.geojson"
    unnamed = ExportRequest(layers=("gaps",), run_id=7, category="food")
    assert plan.file_name(unnamed, DAY) == "vasterbotten_korning-7_luckor_livsmedel_2026-11-26.gpkg"


def test_requests_are_parsed_strictly() -> None:
    assert ExportRequest.parse({}) == ExportRequest()
    assert ExportRequest.parse({"format": "geojson"}).crs == 4326
    parsed = ExportRequest.parse(
        {
            "format": "CSV",
            "crs": "EPSG:4326",
            "layers": ["care,food", "population"],
            "geometry": "XY",
        }
    )
    assert parsed.layers == ("population", "care", "food")  # in the file's order
    assert parsed.csv_geometry == "xy" and parsed.format == "csv"
    run = ExportRequest.parse({"run": 5, "category": "care", "municipality": 2480})
    assert run.layers == RUN_LAYER_IDS and run.municipality == "2480"
    assert ExportRequest.parse({"category": "power"}).layers == ("power",)
    with pytest.raises(BadInput, match="not among the layers"):
        ExportRequest.parse({"layers": "care", "category": "food"})
    with pytest.raises(BadInput, match="run number"):
        ExportRequest.parse({"run": "x"})
    with pytest.raises(BadInput, match="unknown layers"):
        ExportRequest.parse({"run": 1, "layers": "population"})
    assert ExportRequest.from_dict(parsed.to_dict()) == parsed


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"format": "dxf"}, "unknown format"),
        ({"crs": "EPSG:3857"}, "crs must be 3006"),
        ({"crs": "svenska"}, "unknown CRS 'svenska'"),
        ({"format": "geojson", "crs": 3006}, "GeoJSON is always WGS 84"),
        ({"geometry": "wkb"}, "geometry (CSV) must be wkt or xy"),
        ({"category": "bageri"}, "unknown category 'bageri'"),
        ({"layers": "kommuner,befolkning"}, "unknown layers kommuner, befolkning"),
        ({"municipality": "Umeå"}, "four digits"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(values: dict[str, object], words: str) -> None:
    with pytest.raises(BadInput) as refused:
        ExportRequest.parse(values)
    assert words in refused.value.message


def test_a_request_described_for_people() -> None:
    request = ExportRequest("csv", layers=("sites", "cells"), run_id=12, municipality="2480")
    assert request.describe() == (
        "CSV EPSG:3006: run 12 (sites, cells); municipality 2480; geometry wkt"
    )


def test_every_shapefile_name_is_short_and_unique() -> None:
    for schemas in plan.schemas().values():
        for schema in schemas:
            names = [f.dbf_name for f in schema.fields]
            assert all(len(n) <= 10 for n in names)
            assert len({n.lower() for n in names}) == len(names)


def test_schema_ids_name_every_layer_by_its_id() -> None:
    ids = plan.schema_ids()
    assert ids["layers"]["befolkning"] == "population"
    assert ids["run"]["platser"] == "sites"
    assert set(ids["run"].values()) == set(RUN_LAYER_IDS)


def test_the_map_layers_counted_and_named_after_the_municipality(db_session: Session) -> None:
    small_county(db_session)
    layers = ("municipalities", "population", "care", "food")
    everything = plan.plan_export(db_session, ExportRequest(layers=layers), on=DAY)
    assert everything.counts == [2, 3, 1, 2]  # the food site outside every municipality too
    assert everything.features == 8 and everything.direct
    assert everything.file_name == "vasterbotten_lager_2026-11-26.gpkg"
    abacka = plan.plan_export(db_session, ExportRequest(layers=layers, municipality="2401"), on=DAY)
    assert abacka.counts == [1, 2, 1, 0]
    assert abacka.file_name == "vasterbotten_lager_abacka_2026-11-26.gpkg"  # Åbacka in ASCII
    assert abacka.basename == "vasterbotten_lager_abacka_2026-11-26"


def test_the_direct_limit(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    small_county(db_session)
    monkeypatch.setattr(plan, "DIRECT_MAX_FEATURES", 2)
    assert not plan.plan_export(db_session, ExportRequest(layers=("population",))).direct
    assert plan.plan_export(db_session, ExportRequest(layers=("municipalities",))).direct


def test_an_unknown_municipality_is_refused(db_session: Session) -> None:
    small_county(db_session)
    with pytest.raises(BadInput, match="unknown municipality '2480'"):
        plan.plan_export(db_session, ExportRequest(municipality="2480"))


def test_a_run_export_needs_a_finished_run(db_session: Session) -> None:
    small_county(db_session)
    with pytest.raises(NotFound):
        plan.plan_export(db_session, ExportRequest(layers=RUN_LAYER_IDS, run_id=999_999))
    queued = runs.start_run(db_session, saved_scenario(db_session, OUTAGE_ABACKA))
    db_session.commit()
    with pytest.raises(Conflict, match=f"run {queued.id} has no result yet"):
        plan.plan_export(db_session, ExportRequest(layers=RUN_LAYER_IDS, run_id=queued.id))
    assert plan.finished_runs(db_session) == []

    run_id = finished_run(db_session, OUTAGE_ABACKA)
    planned = plan.plan_export(
        db_session, ExportRequest(layers=("sites",), run_id=run_id, category="care"), on=DAY
    )
    assert planned.counts == [1]  # the care site alone
    assert planned.file_name == (
        f"vasterbotten_korning-{run_id}_avbrott-i-abacka_platser_vard_2026-11-26.gpkg"
    )
    assert planned.params["run"] == run_id and planned.params["zero"].microsecond == 0
    assert [r.id for r in plan.finished_runs(db_session)] == [run_id]
