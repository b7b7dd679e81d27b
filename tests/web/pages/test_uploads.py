"""Uploads of planners' registers (issue #5): check row by row, report, confirm.

The county is tests.factories.small_county: Åbacka (2401) is the square x 750–760 km,
Östervik (2403) x 760–770 km, both y 7 080–7 090 km (EPSG:3006); its sites have source
"test". Files are written here, small enough to check by eye.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyogrio
import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, literal_column, select, update
from sqlalchemy.orm import Session

from resilience.app import create_app
from resilience.config import Settings
from resilience.crs import transformer
from resilience.db import db
from resilience.models import AuditLog, DataImport, Site, Upload
from resilience.services import imports
from resilience.vocabulary import CATEGORY, SWEREF99TM, WGS84
from tests.conftest import login
from tests.factories import site as imports_site
from tests.factories import small_county
from tests.helpers.uploads import ALSO_2401, IN_2401, IN_2403, geojson, refused, site, upload


def confirm(client: FlaskClient, upload_id: str) -> Any:
    return client.post(f"/api/v1/uploads/{upload_id}/confirm")


def accepted(report: dict[str, Any]) -> dict[str, str]:
    """source_id → action."""
    return {row["source_id"]: row["action"] for row in report["accepted"]}


def counts(report: dict[str, Any]) -> tuple[int, int, int]:
    c = report["counts"]
    return c["insert"], c["update"], c["unchanged"]


def stored(session: Session, source: str) -> dict[str, Site]:
    rows = session.scalars(select(Site).where(Site.source == source))
    return {s.source_id: s for s in rows}


def imports_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DataImport)) or 0


@pytest.fixture
def county(db_session: Session) -> Session:
    small_county(db_session)
    return db_session


@pytest.fixture
def user_client(app: Flask, make_user, county: Session):  # type: ignore[no-untyped-def]
    """A logged-in client for a new user: user_client(name, role, municipality)."""

    def make(name: str, role: str = "planner", municipality: str | None = None) -> FlaskClient:
        make_user(name, role, municipality)
        client = app.test_client()
        login(client, name)
        return client

    return make


@pytest.fixture
def planner(user_client) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A planner of Åbacka (2401)."""
    return user_client("petra", "planner", "2401")


@pytest.fixture
def admin(user_client) -> FlaskClient:  # type: ignore[no-untyped-def]
    return user_client("adam", "admin", "2403")  # an admin's municipality does not limit them


# --- who may upload ----------------------------------------------------------------------------


def test_a_viewer_may_not_upload(client: FlaskClient, county: Session) -> None:
    assert upload(client, geojson([site("a", IN_2401)])).status_code == 403
    assert client.get("/uploads").status_code == 403
    assert "Uppladdning" not in client.get("/").text


def test_planner_of_2401_gets_rows_in_2403_refused(planner: FlaskClient, county: Session) -> None:
    response = upload(
        planner,
        geojson([site("a", IN_2401), site("b", IN_2403), site("c", ALSO_2401)]),
        source="hemtjänst",
    )
    assert response.status_code == 200, response.text
    report = response.json
    assert report["municipality"] == "2401" and report["municipality_name"] == "Åbacka"
    assert accepted(report) == {"a": "insert", "c": "insert"}
    [reason] = refused(report)["feature 2"]
    assert reason["message"].startswith("outside the municipality Åbacka (2401)")
    assert reason["message"].endswith("it lies in Östervik (2403)")
    assert reason["code"] == "outside_scope"  # for the web layer to translate
    assert report["counts"] == {
        "rows": 3,
        "accepted": 2,
        "refused": 1,
        "skipped": 0,
        "insert": 2,
        "update": 0,
        "unchanged": 0,
    }
    assert stored(county, "hemtjänst") == {}  # checking writes nothing

    result = confirm(planner, report["id"]).json["result"]
    assert [result[k] for k in ("inserted", "updated", "unchanged", "refused")] == [2, 0, 0, 1]
    sites = stored(county, "hemtjänst")
    assert sorted(sites) == ["a", "c"]
    assert {s.municipality_code for s in sites.values()} == {"2401"}


def test_admin_and_county_wide_planner_upload_anywhere(user_client, county: Session) -> None:  # type: ignore[no-untyped-def]
    outside = (800_000.0, 7_200_000.0)  # in Sweden, in no municipality of the test county
    features = [site("a", IN_2401), site("b", IN_2403), site("c", outside)]
    for client in (user_client("adam", "admin", "2403"), user_client("cecilia", "editor")):
        report = upload(client, geojson(features)).json
        assert accepted(report) == {"a": "insert", "b": "insert", "c": "insert"}
        assert report["municipality"] is None
        assert "1 accepted row(s) lie in no municipality of the county" in report["notes"]


def test_a_planner_cannot_take_over_a_site_stored_in_another_municipality(
    planner: FlaskClient, county: Session
) -> None:
    """gen-1 (source "test") lies in Östervik; moving it into Åbacka is not Åbacka's call."""
    feature = site("gen-1", IN_2401, category="power", kind="mobile_generator", source="test")
    report = upload(planner, geojson([feature])).json
    [reason] = refused(report)["feature 1"]
    assert reason["field"] == "source_id"
    assert "stored site of Östervik (2403)" in reason["message"]


# --- reasons per row ---------------------------------------------------------------------------


def test_every_bad_row_is_refused_with_its_reason(planner: FlaskClient, county: Session) -> None:
    features = [
        site("ok-1", IN_2401),
        site("line", None)
        | {"geometry": {"type": "LineString", "coordinates": [IN_2401, IN_2403]}},
        site("far", (20.26, 63.82)),  # degrees in a EPSG:3006 file: not in Sweden
        site("kind", IN_2401, kind="castle"),
        site("cat", IN_2401, category="weapons"),
        site("neg", IN_2401, category="power", kind="mobile_generator", capacity_kw=-5),
        site("", IN_2401),
        site("dup", IN_2401),
        site("ok-2", ALSO_2401),
        site("dup", ALSO_2401),
        site("nogeom", None),
    ]
    response = upload(planner, geojson(features))
    assert response.status_code == 200, response.text
    report = response.json
    assert accepted(report) == {"ok-1": "insert", "ok-2": "insert"}
    reasons = refused(report)
    assert list(reasons) == [f"feature {n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 11)]

    def only(where: str) -> tuple[str | None, str]:
        [reason] = reasons[where]
        return reason["field"], reason["message"]

    assert only("feature 2") == ("geometry", "expected a Point, got a LineString")
    field, message = only("feature 3")
    assert field == "geometry" and "fall outside Sweden in EPSG:3006" in message
    field, message = only("feature 4")
    assert field == "kind" and message.startswith("unknown kind 'castle' for care")
    field, message = only("feature 5")
    assert field == "category" and message.startswith("unknown category 'weapons'")
    assert only("feature 6") == ("capacity_kw", "-5 is negative; expected a number >= 0")
    assert only("feature 7") == ("source_id", "missing; this field is required")
    # Both rows of a repeated source_id are refused: which one is right is the owner's call.
    assert only("feature 8") == ("source_id", "duplicate source_id 'dup' (again at feature 10)")
    assert only("feature 10") == ("source_id", "duplicate source_id 'dup' (first at feature 8)")
    assert only("feature 11") == ("geometry", "missing geometry; a Point is required")
    assert report["counts"]["refused"] == 9


def test_a_row_with_several_problems_lists_them_all(planner: FlaskClient, county: Session) -> None:
    report = upload(planner, geojson([site("x", IN_2403, kind="castle", residents=-1)])).json
    fields = [r["field"] for r in refused(report)["feature 1"]]
    assert fields == ["residents", "kind"]  # a row wrong in its fields is not placed at all


def test_a_file_unusable_as_a_whole_is_refused_with_422(
    planner: FlaskClient, county: Session
) -> None:
    no_ids = geojson([{"type": "Feature", "properties": {"name": "x"}, "geometry": None}])
    response = upload(planner, no_ids)
    assert response.status_code == 422
    assert response.json["error"] == "invalid_file"
    assert {d["field"] for d in response.json["details"]} >= {"source_id", "category", "kind"}
    assert upload(planner, b"{not json").status_code == 422
    response = upload(planner, b"a;b\n1;2\n", filename="register.xlsx")
    assert response.status_code == 400


def test_crs_detected_from_the_file_or_given(planner: FlaskClient, county: Session) -> None:
    sweref = upload(planner, geojson([site("a", IN_2401)])).json
    assert (sweref["crs"], sweref["crs_given"]) == ("EPSG:3006", False)

    lon, lat = transformer(SWEREF99TM, WGS84).transform(*IN_2401)
    wgs84 = upload(planner, geojson([site("a", (lon, lat))], crs=None)).json
    assert (wgs84["crs"], wgs84["crs_given"]) == ("EPSG:4326", False)
    assert accepted(wgs84) == {"a": "insert"}

    given = upload(planner, geojson([site("a", IN_2401)], crs=None), crs="EPSG:3006").json
    assert (given["crs"], given["crs_given"]) == ("EPSG:3006", True)
    assert accepted(given) == {"a": "insert"}


# --- confirming ----------------------------------------------------------------------------------


def test_confirm_imports_the_accepted_rows_and_records_it(
    planner: FlaskClient, county: Session
) -> None:
    versions = imports_count(county)
    features = [site("a", IN_2401, residents=12), site("b", IN_2403), site("c", ALSO_2401)]
    report = upload(planner, geojson(features), source="omsorg").json
    response = confirm(planner, report["id"])
    assert response.status_code == 200, response.text
    done = response.json
    assert done["status"] == "confirmed"
    assert done["result"]["inserted"] == 2 and done["result"]["updated"] == 0
    assert done["result"]["data_version"] == imports.data_version(county)
    sites = stored(county, "omsorg")
    assert sorted(sites) == ["a", "c"] and sites["a"].residents == 12
    assert {row["source_id"]: row["site_id"] for row in done["accepted"]} == {
        "a": sites["a"].id,
        "c": sites["c"].id,
    }
    assert done["refused"] == report["refused"]  # still shown after confirming

    assert imports_count(county) == versions + 1
    record = county.scalars(select(DataImport).order_by(DataImport.id.desc())).first()
    assert record is not None
    assert (record.kind, record.source, record.filename, record.user_name) == (
        "sites",
        "omsorg",
        "register.geojson",
        "petra",
    )
    [entry] = county.scalars(select(AuditLog).where(AuditLog.action == "import"))
    assert entry.user_name == "petra" and entry.row_id == report["id"]
    assert entry.new["file"] == "register.geojson"
    assert (entry.new["inserted"], entry.new["updated"], entry.new["refused"]) == (2, 0, 1)

    assert planner.get(f"/api/v1/uploads/{report['id']}").json["status"] == "confirmed"
    again = confirm(planner, report["id"])
    assert again.status_code == 409
    assert imports_count(county) == versions + 1


def test_a_failure_midway_writes_nothing(
    planner: FlaskClient, county: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upsert fails after its first batch of one row: that row must not stay."""
    report = upload(planner, geojson([site(n, IN_2401) for n in "abc"]), source="halvvägs").json
    versions = imports_count(county)
    written: list[int] = []

    def first_batch_then_fail(rows: list[dict], size: int = 1) -> Iterator[list[dict]]:
        yield rows[:1]
        # Counted in the request's own transaction, which the failure must roll back.
        query = select(func.count()).select_from(Site).where(Site.source == "halvvägs")
        written.append(db.session.scalar(query) or 0)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(imports, "_chunks", first_batch_then_fail)
    response = confirm(planner, report["id"])
    assert response.status_code == 500
    assert written == [1]  # the first batch was in the database when it failed
    assert stored(county, "halvvägs") == {}
    assert imports_count(county) == versions
    assert county.scalar(select(func.count()).select_from(AuditLog)) == 0
    assert planner.get(f"/api/v1/uploads/{report['id']}").json["status"] == "pending"

    monkeypatch.undo()
    assert confirm(planner, report["id"]).json["result"]["inserted"] == 3
    assert sorted(stored(county, "halvvägs")) == ["a", "b", "c"]


def test_the_same_upload_twice_changes_nothing(planner: FlaskClient, county: Session) -> None:
    data = geojson([site("a", IN_2401, attributes_note="x"), site("b", ALSO_2401, owner="region")])
    first = upload(planner, data).json
    assert counts(first) == (2, 0, 0)
    confirm(planner, first["id"])
    before = row_versions(county, "register")
    versions = imports_count(county)

    second = upload(planner, data).json
    assert counts(second) == (0, 0, 2)
    done = confirm(planner, second["id"]).json
    assert (done["result"]["inserted"], done["result"]["updated"]) == (0, 0)
    assert done["result"]["unchanged"] == 2 and done["result"]["data_version"] is None
    assert imports_count(county) == versions  # no new data version: nothing changed
    assert row_versions(county, "register") == before  # not even rewritten

    changed = geojson([site("a", IN_2401, attributes_note="y"), site("b", ALSO_2401)])
    third = upload(planner, changed).json
    assert accepted(third) == {"a": "update", "b": "update"}  # attribute; owner cleared
    assert counts(confirm(planner, third["id"]).json) == (0, 2, 0)


def row_versions(session: Session, source: str) -> dict[str, tuple[Any, str]]:
    """source_id → (updated_at, xmin): xmin changes with any rewrite of the row."""
    query = select(Site.source_id, Site.updated_at, literal_column("xmin")).where(
        Site.source == source
    )
    return {sid: (at, str(xmin)) for sid, at, xmin in session.execute(query)}


def test_confirm_refuses_when_the_stored_sites_changed_meanwhile(
    planner: FlaskClient, county: Session
) -> None:
    """care-1 (source "test") lies in Åbacka; if it is moved to Östervik before the
    confirmation, the planner's update would now be refused: nothing is imported."""
    feature = site("care-1", ALSO_2401, source="test", name="Björkgården")
    report = upload(planner, geojson([feature, site("new", IN_2401)])).json
    assert accepted(report) == {"care-1": "update", "new": "insert"}
    county.execute(update(Site).where(Site.source_id == "care-1").values(municipality_code="2403"))
    county.commit()
    response = confirm(planner, report["id"])
    assert response.status_code == 409
    assert "upload the file again" in response.json["message"]
    assert stored(county, "register") == {}


# --- ownership and expiry ----------------------------------------------------------------------


def test_another_users_upload_is_not_found(
    planner: FlaskClient, user_client, county: Session
) -> None:  # type: ignore[no-untyped-def]
    report = upload(planner, geojson([site("a", IN_2401)])).json
    other = user_client("olof", "planner", "2401")
    assert other.get(f"/api/v1/uploads/{report['id']}").status_code == 404
    assert confirm(other, report["id"]).status_code == 404
    assert other.get(f"/uploads/{report['id']}").status_code == 404
    admin = user_client("adam", "admin")
    assert confirm(admin, report["id"]).status_code == 404
    assert stored(county, "register") == {}


def test_unknown_and_expired_uploads_are_not_found(
    planner: FlaskClient, county: Session, settings: Any
) -> None:
    assert planner.get("/api/v1/uploads/nosuchuploadatall").status_code == 404
    assert confirm(planner, "..secret_key..0123456789").status_code == 404
    report = upload(planner, geojson([site("a", IN_2401)])).json
    expires = datetime.fromisoformat(report["expires_at"])
    assert expires - datetime.fromisoformat(report["created_at"]) == timedelta(hours=2)
    county.execute(
        update(Upload)
        .where(Upload.id == report["id"])
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    response = confirm(planner, report["id"])
    assert response.status_code == 404
    assert "expired" in response.json["message"]
    assert planner.get(f"/uploads/{report['id']}").status_code == 404
    assert stored(county, "register") == {}
    # The next upload sweeps the expired one away.
    upload(planner, geojson([site("b", IN_2401)]))
    assert county.get(Upload, report["id"], populate_existing=True) is None


def test_an_upload_checked_by_one_web_host_is_confirmed_by_another(
    planner: FlaskClient, county: Session, settings: Settings, tmp_path: Path
) -> None:
    """Two app instances with different var/ directories, as on two hosts: the second
    shows and confirms what the first checked, and only the uploader sees it."""
    report = upload(planner, geojson([site("a", IN_2401)]), source="värdar").json
    other_host = create_app(replace(settings, var_dir=tmp_path / "other-var"))
    assert other_host is not planner.application
    client = other_host.test_client()
    login(client, "petra")
    shown = client.get(f"/api/v1/uploads/{report['id']}")
    assert shown.status_code == 200 and shown.json["counts"]["insert"] == 1
    assert shown.json["source"] == "värdar"
    done = confirm(client, report["id"])
    assert done.status_code == 200, done.text
    assert done.json["result"]["inserted"] == 1 and done.json["status"] == "confirmed"
    assert sorted(stored(county, "värdar")) == ["a"]
    # The first host sees the confirmation; confirming again there imports nothing more.
    assert planner.get(f"/api/v1/uploads/{report['id']}").json["status"] == "confirmed"
    assert confirm(planner, report["id"]).status_code == 409
    assert not (tmp_path / "other-var" / "uploads").exists()


def test_a_file_above_the_limit_gets_a_clear_413(
    app: Flask, planner: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = upload(planner, b" " * 5000 + geojson([site("a", IN_2401)]))
    assert response.status_code == 413
    assert response.json["error"] == "too_large"
    assert "2000 bytes" in response.json["message"]
    assert response.json["details"] == {"max_bytes": 2000}


# --- other formats, names ---------------------------------------------------------------------


def test_swedish_names_round_trip_from_csv(planner: FlaskClient, county: Session) -> None:
    text = (
        "source_id;name;category;kind;x;y;shelter_capacity\n"
        f"s1;Ängsgårdens skola;energy;school;{IN_2401[0]:.0f};{IN_2401[1]:.0f};250\n"
        f"s2;Öjebyns äldreboende;care;elderly_home;{IN_2403[0]:.0f};{IN_2403[1]:.0f};\n"
        f"s3;Åsa hälsocentral;care;health_centre;{ALSO_2401[0]:.0f};{ALSO_2401[1]:.0f};-3\n"
    )
    for encoding, source in (("utf-8", "skolor-utf8"), ("cp1252", "skolor-excel")):
        report = upload(planner, text.encode(encoding), filename=f"{source}.csv").json
        assert report["format"] == "csv" and report["crs"] == "EPSG:3006"
        assert report["source"] == source  # the file name's stem
        assert accepted(report) == {"s1": "insert"}
        assert list(refused(report)) == ["line 3", "line 4"]  # 2403; negative capacity
        assert refused(report)["line 4"][0]["field"] == "shelter_capacity"
        confirm(planner, report["id"])
        [school] = stored(county, source).values()
        assert school.name == "Ängsgårdens skola" and school.shelter_capacity == 250
    assert any("cp1252" in note for note in report["notes"])


def test_categories_and_kinds_by_their_swedish_or_english_names(
    planner: FlaskClient, county: Session
) -> None:
    """A register made by hand names the category and kind as the pages do, any case;
    numbers as the pages print them. A name that is neither a code nor a label is refused."""
    x, y = IN_2401
    text = (
        "source_id;name;category;kind;x;y;residents;backup_kw\n"
        f"e1;Björkgården;Vård och omsorg;Äldreboende;{x:.0f};{y:.0f};1 054;12,5\n"
        f"e2;Tallbacken;vård och omsorg;äldreboende;{x + 10:.0f};{y:.0f};54;\n"
        f"e3;Åsa vc;CARE;Health Centre;{x + 20:.0f};{y:.0f};;\n"
        f"e4;Skolan;Energikrävande byggnader;skola;{x + 30:.0f};{y:.0f};;\n"
        f"e5;Okänt;Vård och omsorg;vårdhem X;{x + 40:.0f};{y:.0f};;\n"
    )
    report = upload(planner, text.encode("utf-8"), filename="vard.csv").json
    assert accepted(report) == {n: "insert" for n in ("e1", "e2", "e3", "e4")}
    [reason] = refused(report)["line 6"]
    assert reason["field"] == "kind"
    confirm(planner, report["id"])
    sites = stored(county, "vard")
    assert {s.source_id: (s.category, s.kind) for s in sites.values()} == {
        "e1": ("care", "elderly_home"),
        "e2": ("care", "elderly_home"),
        "e3": ("care", "health_centre"),
        "e4": ("energy", "school"),
    }
    assert sites["e1"].residents == 1054 and sites["e1"].backup_kw == 12.5


def test_a_file_imported_before_under_another_name_is_said_so(
    planner: FlaskClient, county: Session
) -> None:
    """The same content (saved again: a byte order mark, CRLF) under another file name is
    the register imported before: its source, no new sites, and the report says when and
    by whom; on the page in Swedish, in the API in the language asked for."""
    x, y = IN_2401
    text = (
        "source_id;name;category;kind;x;y\n"
        f"v1;Björkgården;care;elderly_home;{x:.0f};{y:.0f}\n"
        f"v2;Tallbacken;care;group_home;{x + 10:.0f};{y:.0f}\n"
    )
    first = upload(planner, text.encode(), filename="vard_umea.csv").json
    assert first["same_content"] is None and counts(first) == (2, 0, 0)
    confirm(planner, first["id"])
    record = county.scalars(select(DataImport).order_by(DataImport.id.desc())).first()
    assert record is not None and record.content_sha256 == first["digest"]
    versions = imports_count(county)

    again = ("\ufeff" + text.replace("\n", "\r\n")).encode()
    second = upload(planner, again, filename="kopia.csv").json
    assert second["digest"] == first["digest"]
    assert second["source"] == "vard_umea"  # the earlier import's source, not "kopia"
    assert counts(second) == (0, 0, 2)
    assert second["same_content"]["filename"] == "vard_umea.csv"
    assert second["same_content"]["user"] == "petra" and second["same_content"]["new"] == 0
    assert second["notes"][0].startswith("Same content as 'vard_umea.csv', imported ")
    assert second["notes"][0].endswith(" by petra: no new sites")
    swedish = planner.get(f"/api/v1/uploads/{second['id']}?lang=sv").json
    assert re.fullmatch(
        r"Samma innehåll som 'vard_umea.csv', importerad \d{4}-\d\d-\d\d \d\d:\d\d av petra:"
        r" inga nya platser",
        swedish["notes"][0],
    )
    page = planner.get(f"/uploads/{second['id']}").text
    assert "Samma innehåll som &#39;vard_umea.csv&#39;" in page and "inga nya platser" in page
    done = confirm(planner, second["id"]).json
    assert done["result"]["inserted"] == 0 and imports_count(county) == versions
    assert sorted(stored(county, "vard_umea")) == ["v1", "v2"] and not stored(county, "kopia")

    # Another source given on purpose: the rows are new sites of it, and the report says so.
    third = upload(planner, again, filename="kopia.csv", source="kopia").json
    assert counts(third) == (2, 0, 0) and third["same_content"]["new"] == 2
    assert "2 rows would still be new sites" in third["notes"][0]
    other = upload(planner, text.replace("Tallbacken", "Tallbo").encode(), filename="x.csv")
    assert other.json["same_content"] is None


def test_geopackage_upload(planner: FlaskClient, county: Session, tmp_path: Path) -> None:
    path = tmp_path / "boenden.gpkg"
    points = [shapely.Point(*IN_2401), shapely.Point(*IN_2403), shapely.Point(*ALSO_2401)]
    table = pa.table(
        {
            "source_id": ["g1", "g2", "g3"],
            "name": ["Älvgården", "Östra boendet", "Gläntan"],
            "category": ["care", "care", "care"],
            "kind": ["group_home", "group_home", "flying_saucer"],
            "residents": [8, 6, 4],
            "geometry": shapely.to_wkb(np.array(points, dtype=object)),
        }
    )
    pyogrio.write_arrow(
        table,
        path,
        layer="boenden",
        driver="GPKG",
        geometry_name="geometry",
        geometry_type="Point",
        crs="EPSG:3006",
    )
    report = upload(planner, path.read_bytes(), filename="boenden.gpkg").json
    assert (report["format"], report["crs"]) == ("gpkg", "EPSG:3006")
    assert accepted(report) == {"g1": "insert"}
    assert list(refused(report)) == ["layer boenden feature 2", "layer boenden feature 3"]
    confirm(planner, report["id"])
    [home] = stored(county, "boenden").values()
    assert (home.name, home.residents) == ("Älvgården", 8)


# --- the pages ----------------------------------------------------------------------------------


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_the_upload_pages_check_and_confirm(planner: FlaskClient, county: Session) -> None:
    page = planner.get("/uploads")
    assert page.status_code == 200
    assert "Uppladdning" in page.text and "Kontrollera filen" in page.text
    assert "i kommun Åbacka (2401);" in page.text
    token = _token(page.text)

    data = geojson([site("a", IN_2401, name="Björkbacken"), site("b", IN_2403)])
    form = {"file": (io.BytesIO(data), "hemtjanst.geojson"), "csrf_token": token}
    response = planner.post("/uploads", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    report_url = response.headers["Location"]
    page = planner.get(report_url)
    assert page.status_code == 200
    assert "EPSG:3006" in page.text and "avläst ur filen" in page.text
    assert "Bekräfta import" in page.text
    # Every message in Swedish, names instead of codes, plurals by ngettext.
    assert "Filen är kontrollerad: 1 rad kan importeras." in page.text
    assert "utanför kommunen Åbacka (2401) som du laddar upp för" in page.text
    assert "platsen ligger i Östervik (2403)" in page.text and "objekt 2" in page.text
    assert "outside the municipality" not in page.text and "feature 2" not in page.text
    assert "Ny plats" in page.text and "Björkbacken" in page.text
    assert "<td>Vård och omsorg</td>" in page.text and "<td>Åbacka</td>" in page.text
    assert "1 rad godtas, 1 avvisas: 1 nya, 0 uppdaterade, 0 oförändrade." in page.text
    assert "rad(er)" not in page.text
    english = planner.get(report_url + "?lang=en").text
    assert "outside the municipality Åbacka (2401) you upload for" in english
    assert "feature 2" in english and "<td>Care</td>" in english
    planner.get(report_url + "?lang=sv")

    forged = planner.post(f"{report_url}/confirm", data={"csrf_token": "nope"})
    assert forged.status_code == 403
    response = planner.post(f"{report_url}/confirm", data={"csrf_token": _token(page.text)})
    assert response.status_code == 302
    page = planner.get(report_url)
    assert "Importerat: 1 nya, 0 uppdaterade, 0 oförändrade." in page.text
    assert "Importen är klar: 1 nya, 0 uppdaterade, 0 oförändrade." in page.text  # flash
    site_id = stored(county, "hemtjanst")["a"].id
    assert f'href="/sites/{site_id}"' in page.text and "Visa på kartan" in page.text
    assert "Bekräfta import" not in page.text


def test_the_upload_page_lists_the_problems_of_an_unusable_file(
    planner: FlaskClient, county: Session
) -> None:
    token = _token(planner.get("/uploads").text)
    data = geojson([{"type": "Feature", "properties": {"name": "x"}, "geometry": None}])
    form = {"file": (io.BytesIO(data), "trasig.geojson"), "csrf_token": token}
    response = planner.post("/uploads", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Filen kan inte importeras." in response.text
    assert "filen har inget fält &#39;source_id&#39;" in response.text

    assert 'aria-invalid="true" aria-describedby="upload-file-error">' in response.text
    assert 'id="upload-file-error"' in response.text  # the file's problems next to its field

    form = {
        "file": (io.BytesIO(b"PK"), "register.xlsx"),
        "csrf_token": token,
        "source": "omsorg",
        "crs": "EPSG:3006",
    }
    response = planner.post("/uploads", data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    assert (
        '<span class="field-error" id="upload-file-error">Fil: Ladda upp en CSV-, GeoPackage-'
        " eller GeoJSON-fil.</span>" in response.text
    )
    assert 'type="file"' in response.text  # the form again, to try another file
    assert 'value="omsorg"' in response.text and 'value="EPSG:3006"' in response.text

    form = {"file": (io.BytesIO(data), "r.geojson"), "csrf_token": token, "crs": "EPSG:9"}
    response = planner.post("/uploads", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'name="crs" placeholder="EPSG:3006" value="EPSG:9" aria-invalid="true"' in response.text
    assert 'id="upload-crs-error">Koordinaternas referenssystem: ' in response.text


def _csv_upload() -> bytes:
    return (
        b"source_id,name,category,kind,lon,lat,capacity_kw\n"
        b"g1,Verk 1,power,fixed_generator,20.12,63.8,-5\n"
        b"g2,Verk 2,power,castle,20.12,63.8,10\n"
        b"g3,Verk 3,power,fixed_generator,,63.8,10\n"
    )


def test_row_reports_in_the_language_asked_for(planner: FlaskClient, county: Session) -> None:
    """The API's messages are English unless ?lang=sv or Accept-Language asks for Swedish;
    the page's follow the UI language. Codes come with ids and parameters."""
    english = upload(planner, _csv_upload(), "verk.csv").json
    reasons = refused(english)
    assert reasons["line 2"][0]["message"] == "'-5' is negative; expected a number >= 0"
    assert reasons["line 2"][0]["code"] == "negative"
    assert reasons["line 2"][0]["params"] == {"value": "'-5'"}
    assert reasons["line 3"][0]["message"].startswith("unknown kind 'castle' for power")
    assert reasons["line 4"][0]["message"] == "missing coordinate"

    swedish = planner.post(
        "/api/v1/uploads?lang=sv",
        data={"file": (io.BytesIO(_csv_upload()), "verk.csv")},
        content_type="multipart/form-data",
    )
    assert swedish.status_code == 200
    form = {"file": (io.BytesIO(_csv_upload()), "verk.csv")}
    by_header = planner.post(
        "/api/v1/uploads",
        data=form,
        content_type="multipart/form-data",
        headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"},
    ).json
    for report in (swedish.json, by_header):
        reasons = refused(report)
        assert reasons["line 2"][0]["message"] == "'-5' är negativt; ett tal >= 0 väntades"
        kind = reasons["line 3"][0]["message"]
        assert kind.startswith("okänd typ 'castle' för Reservkraft; ett av ")
        assert "fast reservkraftverk (fixed_generator)" in kind or "(fixed_generator)" in kind
        assert reasons["line 4"][0]["message"] == "koordinat saknas"
        assert report["refused"][0]["where_label"] == "rad 2"


def test_the_report_page_speaks_swedish_with_plurals(planner: FlaskClient, county: Session) -> None:
    token = _token(planner.get("/uploads").text)
    rows = _csv_upload() + b"g4,Verk 4,power,fixed_generator,20.12,63.8,10\n"
    form = {"file": (io.BytesIO(rows), "verk.csv"), "csrf_token": token}
    response = planner.post("/uploads", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    page = planner.get(response.headers["Location"]).text
    assert "rad 2" in page and "line 2" not in page
    assert "&#39;-5&#39; är negativt; ett tal &gt;= 0 väntades" in page
    assert "koordinat saknas" in page and "missing coordinate" not in page
    assert "1 rad godtas, 3 avvisas" in page
    assert "<td>Reservkraft</td>" in page


def test_a_template_per_category(planner: FlaskClient, county: Session) -> None:
    """A CSV per category with its columns and one row per allowed kind; filled in, it
    uploads."""
    page = planner.get("/uploads").text
    for category in ("care", "power", "food", "energy"):
        assert f'href="/uploads/template/{category}.csv"' in page
    response = planner.get("/uploads/template/care.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "mall_care.csv" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].split(",") == [
        *("source_id", "name", "category", "kind", "lon", "lat"),
        *CATEGORY["care"].fields,  # the category's columns, from resilience/vocabulary.py
    ]
    assert "residents" in lines[0] and "critical_load_kw" in lines[0]
    assert [line.split(",")[3] for line in lines[1:]] == [
        "hospital",
        "health_centre",
        "elderly_home",
        "group_home",
        "home_care_base",
    ]
    assert planner.get("/uploads/template/spaceport.csv").status_code == 404
    filled = text.replace(",,care,hospital,,,", "h1,Sjukhuset,care,hospital,20.12,63.8,", 1)
    report = upload(planner, filled.encode("utf-8-sig"), "mall.csv").json
    assert report["counts"]["accepted"] == 1 and report["accepted"][0]["kind"] == "hospital"


# --- v2 fields ----------------------------------------------------------------------------------


def test_v2_fields_in_the_row_report_and_on_confirm(planner: FlaskClient, county: Session) -> None:
    """A heat_plant must name a plant in the file or stored; heating aliases, tau and stock are
    checked per row; unchanged rows stay unchanged on the second upload."""
    imports.import_sites(
        county,
        [
            imports_site("dh-stored", "utility", "district_heating_plant", 753_000, 7_086_000),
        ],
        "verket",
    )
    county.commit()
    plant = site("dh-new", IN_2401, category="utility", kind="district_heating_plant")
    plant["properties"].pop("residents")
    features = [
        plant,
        site("a", IN_2401, heating="fjärrvärme", heat_plant="dh-new"),
        site("b", ALSO_2401, heating="district_heating", heat_plant="dh-stored",
             thermal_time_constant_hours=90),
        site("c", IN_2401, heating="district_heating", heat_plant="dh-nowhere"),
        site("d", IN_2401, thermal_time_constant_hours=0),
        site("e", IN_2401, heating="ved"),
        {**site("f", IN_2401), "properties": {**site("f", IN_2401)["properties"],
         "category": "food", "kind": "grocery", "stock_person_days": -1}},
        {**site("g", IN_2401), "properties": {**site("g", IN_2401)["properties"],
         "category": "food", "kind": "warehouse", "stock_person_days": 4000}},
    ]  # fmt: skip
    report = upload(planner, geojson(features)).json
    assert accepted(report) == {"dh-new": "insert", "a": "insert", "b": "insert", "g": "insert"}
    reasons = refused(report)
    assert sorted(reasons) == ["feature 4", "feature 5", "feature 6", "feature 7"]
    [why] = reasons["feature 4"]
    assert why["field"] == "heat_plant"
    assert why["message"].startswith("heat_plant 'dh-nowhere' names no district_heating_plant")
    assert reasons["feature 5"][0]["field"] == "thermal_time_constant_hours"
    assert reasons["feature 6"][0]["field"] == "heating"
    assert "unknown heating 'ved'" in reasons["feature 6"][0]["message"]
    assert reasons["feature 7"][0]["field"] == "stock_person_days"

    assert confirm(planner, report["id"]).status_code == 200
    sites = stored(county, "register")
    assert (sites["a"].heating, sites["a"].heat_plant) == ("district_heating", "dh-new")
    assert sites["b"].thermal_time_constant_hours == 90 and sites["b"].heat_plant == "dh-stored"
    assert sites["g"].stock_person_days == 4000 and sites["dh-new"].category == "utility"

    again = upload(planner, geojson(features)).json
    assert set(accepted(again).values()) == {"unchanged"}
    changed = [plant, site("a", IN_2401, heating="heat_pump")]
    assert accepted(upload(planner, geojson(changed)).json) == {
        "dh-new": "unchanged",
        "a": "update",
    }
