"""Issue 24, item 6 (and the energy side of 5 and 10): every number a site or an energy
building takes in has a range (vocabulary.NUMBER_RANGES), checked at the door: the upload
check, the energy PATCH and forms, the energy imports. A huge finite number is refused with
the range, never stored to break the pages; the PATCH names what it ignored."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import Site
from resilience.vocabulary import NUMBER_RANGES, SITE_NUMBERS, range_problem
from tests.helpers.energy import client_as, energy_county, energy_upload
from tests.helpers.uploads import IN_2401, geojson, refused, site, upload


@pytest.fixture
def county(db_session: Session) -> dict[str, int]:
    """small_county and four buildings (tests/helpers/energy.py energy_county)."""
    return energy_county(db_session)


@pytest.fixture
def editor(app: Flask, make_user: Any) -> FlaskClient:
    return client_as(app, make_user, "edit-eva", "editor")


def test_every_site_number_has_a_range() -> None:
    assert set(SITE_NUMBERS) <= set(NUMBER_RANGES)
    assert range_problem("residents", 10**30) == (
        "residents 1e+30 is out of range: from 0 to 100,000"
    )
    assert range_problem("heated_area_m2", 5_000.0) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("heated_area_m2", 1e308),
        ("energy_kwh_year", 1e300),
        ("backup_kw", 1e20),
        ("fuel_hours", 1e9),
        ("shelter_capacity", 10**30),
        ("peak_kw", 1e308),
    ],
)
def test_the_energy_patch_refuses_numbers_out_of_range(
    editor: FlaskClient,
    county: dict[str, int],
    db_session: Session,
    field: str,
    value: float,
) -> None:
    sid = county["e-a1"]
    response = editor.patch(f"/api/v1/energy/buildings/{sid}", json={field: value})
    assert response.status_code == 400, response.text
    assert "out of range" in response.text and field in response.text
    area = db_session.scalar(select(Site.heated_area_m2).where(Site.id == sid))
    assert area == 1_000
    for path in ("/energy", "/energy/buildings", f"/energy/buildings/{sid}", f"/sites/{sid}"):
        assert editor.get(path).status_code == 200, path


def test_the_energy_patch_names_the_fields_it_ignored(
    editor: FlaskClient,
    county: dict[str, int],
) -> None:
    sid = county["e-a1"]
    response = editor.patch(
        f"/api/v1/energy/buildings/{sid}",
        json={"heated_area_m2": 1_200, "name": "Ny skola", "residents": 5},
    )
    assert response.status_code == 200, response.text
    assert response.json == {"changed": ["heated_area_m2"], "ignored": ["name", "residents"]}


def test_an_upload_refuses_site_numbers_out_of_range(editor: FlaskClient) -> None:
    features = [
        site("ok", IN_2401),
        site("big-load", IN_2401, critical_load_kw=1e300),
        site("many", IN_2401, residents=10**30),
    ]
    reasons = refused(upload(editor, geojson(features)).json)
    assert reasons["feature 2"][0]["field"] == "critical_load_kw"
    assert "out of range" in reasons["feature 2"][0]["message"]
    assert reasons["feature 3"][0]["field"] == "residents"
    assert "from 0 to 100,000" in reasons["feature 3"][0]["message"]
    assert "feature 1" not in reasons


def test_energy_imports_refuse_numbers_out_of_range(
    editor: FlaskClient,
    county: dict[str, int],
) -> None:
    measures = "source_id;title;status;expected_kwh_year;cost_sek\ne-a1;Ny panna;planned;1e300;5\n"
    response = energy_upload(editor, "measures", measures.encode(), "measures.csv")
    assert response.status_code == 422, response.text
    assert "out of range" in response.text
    huge = "9" * 5_000
    readings = f"source_id;year;kwh\ne-a1;2024;{huge}\n"
    response = energy_upload(editor, "readings", readings.encode(), "readings.csv")
    assert response.status_code == 422, response.text
    form = editor.post(
        "/energy/import",
        data={
            "kind": "readings",
            "csrf_token": "test-form-token",
            "file": (io.BytesIO(readings.encode()), "readings.csv"),
        },
        content_type="multipart/form-data",
    )
    assert form.status_code == 422, form.text[:300]


def test_the_energy_csv_has_one_charset(editor: FlaskClient, county: dict[str, int]) -> None:
    for what in ("register.csv", "measures.csv", "readings.csv"):
        response = editor.get(f"/energy/export/{what}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", what


def test_a_negative_limit_is_a_400(editor: FlaskClient) -> None:
    for path in (
        "/api/v1/runs?limit=-5",
        "/api/v1/sites?limit=-5",
        "/api/v1/population?limit=-5",
        "/ogc/collections/sites-care/items?limit=-5",
    ):
        response = editor.get(path)
        assert response.status_code == 400, (path, response.text)


def test_a_header_only_csv_and_a_zip_named_csv_are_named_as_such(editor: FlaskClient) -> None:
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("sheet.csv", "source_id;name\n1;x\n")
    header = b"source_id;name;category;kind;x;y\n"
    for response in (
        upload(editor, header, "register.csv", crs="EPSG:3006"),
        energy_upload(editor, "register", header, "register.csv"),
    ):
        assert response.status_code == 422, response.text
        assert "header line (6 columns) but no rows" in response.text, response.text
        assert "has no 'source_id' field" not in response.text
    for response in (
        upload(editor, archive.getvalue(), "register.csv", crs="EPSG:3006"),
        energy_upload(editor, "register", archive.getvalue(), "register.csv"),
    ):
        assert response.status_code == 422, response.text
        assert "ZIP archive" in response.text and "columns" not in response.text
