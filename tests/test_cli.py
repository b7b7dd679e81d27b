"""The command-line importers against the real open data in ../shared/data, and the
built-in data set in PostGIS."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geodata.demo import facts
from resilience.models import DataImport, Municipality, PopulationCell, Run, Site, User
from tests.conftest import shared_file


def _cli(app: Flask, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args), input=input)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_import_scb_boundaries_in_either_crs(app: Flask, db_session: Session) -> None:
    wgs84 = shared_file("boundaries/vasterbotten_kommuner_scb.geojson")
    sweref = shared_file("boundaries/vasterbotten_kommuner_lan_scb_sweref99tm.geojson")
    first = _cli(app, "geodata", "import-boundaries", str(sweref), "--source", "scb")
    assert first.exit_code == 0, first.output
    assert "15 inserted" in first.output and "a county" in first.output
    area_3006 = dict(
        db_session.execute(text("SELECT code, ST_Area(geom) FROM municipalities")).all()
    )
    second = _cli(app, "geodata", "import-boundaries", str(wgs84), "--source", "scb")
    assert second.exit_code == 0 and "0 inserted, 15 updated" in second.output
    db_session.expire_all()
    names = dict(db_session.execute(select(Municipality.code, Municipality.name)).all())
    assert names["2480"] == "Umeå" and names["2463"] == "Åsele" and len(names) == 15
    area_4326 = dict(
        db_session.execute(text("SELECT code, ST_Area(geom) FROM municipalities")).all()
    )
    for code, area in area_3006.items():  # same SCB geometry, whichever CRS it came in
        assert abs(area_4326[code] - area) / area < 0.005
    srid = db_session.scalar(text("SELECT DISTINCT ST_SRID(geom) FROM municipalities"))
    assert srid == 3006


def test_import_osm_health_facilities_twice_updates(app: Flask, db_session: Session) -> None:
    boundaries = shared_file("boundaries/vasterbotten_kommuner_scb.geojson")
    pois = shared_file("pois/vasterbotten_health_facilities_hotosm_2020.geojson")
    assert _cli(app, "geodata", "import-boundaries", str(boundaries)).exit_code == 0
    first = _cli(app, "geodata", "import-sites", str(pois), "--profile", "osm")
    assert first.exit_code == 0, first.output
    assert "21 inserted" in first.output and "pharmacy" in first.output
    again = _cli(app, "geodata", "import-sites", str(pois), "--profile", "osm")
    assert "0 inserted, 21 updated" in again.output
    assert _count(db_session, Site) == 21
    unassigned = db_session.scalar(
        select(func.count()).select_from(Site).where(Site.municipality_code.is_(None))
    )
    assert unassigned == 0  # every facility lies in one of the 15 kommuner
    sorsele = db_session.scalar(select(Site).where(Site.name.like("Sorsele%")))
    assert (
        sorsele is not None and sorsele.kind == "hospital" and sorsele.municipality_code == "2422"
    )


def test_a_bad_file_imports_nothing(app: Flask, db_session: Session, tmp_path: Path) -> None:
    good = {
        "type": "Feature",
        "properties": {
            "source_id": "a",
            "name": "Ålgården",
            "category": "care",
            "kind": "elderly_home",
            "residents": 20,
        },
        "geometry": {"type": "Point", "coordinates": [20.26, 63.83]},
    }
    bad = {**good, "properties": {**good["properties"], "source_id": "b", "backup_kw": -5}}
    path = tmp_path / "register.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [good, bad]}))
    result = _cli(app, "geodata", "import-sites", str(path))
    assert result.exit_code == 1
    assert "feature 2" in result.output and "backup_kw" in result.output
    assert _count(db_session, Site) == 0 and _count(db_session, DataImport) == 0


def test_a_file_imported_before_is_recognised_by_its_content(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    text = "source_id,name,category,kind,lon,lat\na,Ålgården,care,elderly_home,20.26,63.83\n"
    (tmp_path / "vard_umea.csv").write_text(text, encoding="utf-8")
    (tmp_path / "kopia.csv").write_text(text.replace("\n", "\r\n"), encoding="utf-8-sig")
    first = _cli(app, "geodata", "import-sites", str(tmp_path / "vard_umea.csv"))
    assert first.exit_code == 0 and "same content" not in first.output, first.output
    again = _cli(app, "geodata", "import-sites", str(tmp_path / "kopia.csv"))
    assert again.exit_code == 0, again.output
    assert "note: same content as 'vard_umea.csv', imported " in again.output
    assert "(source 'vard_umea')" in again.output and "0 inserted, 1 updated" in again.output
    assert _count(db_session, Site) == 1
    digests = db_session.scalars(select(DataImport.content_sha256)).all()
    assert len(digests) == 2 and len(set(digests)) == 1 and digests[0] is not None


def test_users_create_and_token(app: Flask, db_session: Session) -> None:
    created = _cli(
        app, "users", "create", "Örjan", "--role", "planner", input="ett långt lösenord\n"
    )
    assert created.exit_code == 0, created.output
    assert db_session.scalar(select(User.role).where(User.name == "Örjan")) == "planner"
    short = _cli(app, "users", "create", "kort", "--role", "viewer", input="kort\n")
    assert short.exit_code == 1 and "at least" in short.output
    token = _cli(app, "users", "token", "Örjan").output.strip()
    ok = app.test_client().get(
        "/api/v1/municipalities", headers={"Authorization": f"Bearer {token}"}
    )
    assert ok.status_code == 200


def test_demo_population_sums_to_scb_per_municipality(app: Flask, db_session: Session) -> None:
    """Loaded into PostGIS, each municipality's cells (assigned there by their centre) sum
    exactly to SCB's population on 31 December 2024; the county to 281 138."""
    result = _cli(app, "geodata", "load-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    sums = dict(
        db_session.execute(
            select(PopulationCell.municipality_code, func.sum(PopulationCell.population)).group_by(
                PopulationCell.municipality_code
            )
        ).all()
    )
    expected = {m.code: m.population for m in facts.MUNICIPALITIES}
    assert sums == expected
    assert sum(sums.values()) == facts.COUNTY_POPULATION == 281_138
    categories = dict(
        db_session.execute(select(Site.category, func.count()).group_by(Site.category)).all()
    )
    assert set(categories) == {"care", "power", "food", "energy", "utility"}
    dangling = db_session.scalar(
        select(func.count())
        .select_from(Site)
        .where(
            Site.heat_plant.is_not(None),
            Site.heat_plant.not_in(select(Site.source_id).where(Site.category == "utility")),
        )
    )
    assert dangling == 0
    outside = db_session.scalar(
        select(func.count()).select_from(Site).where(Site.municipality_code.is_(None))
    )
    assert outside == 0
    again = _cli(app, "geodata", "load-demo", "--if-empty")
    assert "not loaded" in again.output


def test_scenario_run_prints_the_v2_document(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    from resilience.analysis import compute
    from resilience.scenarios import parse_scenario
    from resilience.services import runs
    from tests.factories import OUTAGE_ABACKA, heat_county

    heat_county(db_session)
    path = tmp_path / "avbrott.json"
    path.write_text(json.dumps(OUTAGE_ABACKA, ensure_ascii=False), encoding="utf-8")
    result = _cli(app, "scenario", "run", str(path), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    sites, cells, names = runs.load_inputs(db_session)
    expected = compute(sites, cells, names, parse_scenario(OUTAGE_ABACKA).to_analysis())
    assert document == expected.to_document()
    assert document["model_version"] == 3 and len(document["timeline"]["hours"]) == 24
    home = next(s for s in document["sites"] if s["source_id"] == "care-2")
    assert home["heat_plant_source_id"] == "dh-1" and home["first_cold_hour"] > 7
    assert _count(db_session, Run) == 0  # computed in process, nothing stored
    summary = _cli(app, "scenario", "run", str(path))
    assert summary.exit_code == 0, summary.output
    assert "Kalla vård- och omsorgsenheter: 1 (25 boende)" in summary.output
    assert "Hemtjänstens brukare vars bas saknar ström: 0" in summary.output
    assert "livsmedelslager: 9.8 dagar" in summary.output  # 2,000 person-days / 205 people


def test_import_sites_resolves_heat_plants_stored_by_an_earlier_file(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    plants = tmp_path / "plants.csv"
    plants.write_text(
        "source_id,name,category,kind,x,y,backup_kw\n"
        "dava,Dåva kraftvärmeverk,utility,district_heating_plant,764000,7091700,1200\n",
        encoding="utf-8",
    )
    homes = tmp_path / "homes.csv"
    homes.write_text(
        "source_id,name,category,kind,x,y,heating,heat_plant,thermal_time_constant_hours\n"
        "h1,Björkgården,care,elderly_home,759000,7082000,fjärrvärme,dava,72\n",
        encoding="utf-8",
    )
    before = _count(db_session, Site)
    refused = _cli(app, "geodata", "import-sites", str(homes), "--crs", "EPSG:3006")
    assert refused.exit_code != 0
    assert "line 2, field 'heat_plant': heat_plant 'dava' names no district_heating_plant" in (
        refused.output
    )
    assert _count(db_session, Site) == before  # nothing imported
    done = _cli(app, "geodata", "import-sites", str(plants), "--crs", "EPSG:3006")
    assert done.exit_code == 0, done.output
    done = _cli(app, "geodata", "import-sites", str(homes), "--crs", "EPSG:3006")
    assert done.exit_code == 0, done.output
    db_session.expire_all()
    home = db_session.scalars(select(Site).where(Site.source_id == "h1")).one()
    assert (home.heating, home.heat_plant, home.thermal_time_constant_hours) == (
        "district_heating",
        "dava",
        72,
    )
