"""resilience/services/uploads.py against a real PostGIS: a file checked row by row into a
stored report (no site written), the uploader's scope, confirmed once in one transaction
(audited), the same data again changing nothing; someone else's, expired or unknown uploads
NotFound, a confirmed one or one with nothing to import a Conflict, an unusable file
InvalidFile, each refusal leaving the sites as they were."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from resilience.errors import BadInput, Conflict, NotFound
from resilience.models import AuditLog, DataImport, Site, Upload
from resilience.services import uploads
from resilience.services.uploads import InvalidFile, Uploader
from resilience.vocabulary import CATEGORY, KINDS
from tests import factories
from tests.helpers.uploads import ALSO_2401, IN_2401, IN_2403, geojson, site

LIMIT = 5_000_000


@pytest.fixture
def county(db_session: Session) -> Session:
    factories.small_county(db_session)
    return db_session


def uploader(
    session: Session, name: str, role: str = "planner", municipality: str | None = None
) -> Uploader:
    user = factories.user(session, name, role, municipality)
    session.commit()
    return Uploader(user.id, user.name, user.role, municipality)


def check(
    session: Session, who: Uploader, data: bytes, filename: str = "register.geojson", **kw: Any
) -> dict[str, Any]:
    return uploads.check_upload(session, who, data, filename, max_bytes=LIMIT, **kw)


def sites_of(session: Session, source: str) -> dict[str, Site]:
    return {s.source_id: s for s in session.scalars(select(Site).where(Site.source == source))}


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_check_reports_each_row_and_writes_no_site(county: Session) -> None:
    petra = uploader(county, "petra", "planner", "2401")
    data = geojson([site("a", IN_2401, name="Ängsgårdens äldreboende"), site("b", IN_2403),
                    site("c", IN_2401, residents=-4)])  # fmt: skip
    report = check(county, petra, data)
    assert report["status"] == "pending" and report["user"] == "petra"
    assert report["municipality"] == "2401" and report["municipality_name"] == "Åbacka"
    assert report["source"] == "register" and report["crs"] == "EPSG:3006"
    assert [(r["source_id"], r["action"]) for r in report["accepted"]] == [("a", "insert")]
    refused = {r["where"]: r["reasons"] for r in report["refused"]}
    assert len(refused) == 2  # b lies in Östervik, c has negative residents
    assert sites_of(county, "register") == {}
    shown = uploads.public(uploads.get_upload(county, petra, report["id"]))
    assert "records" not in shown and "user_id" not in shown
    assert shown["accepted"][0]["name"] == "Ängsgårdens äldreboende"


def test_a_county_wide_planner_and_an_admin_upload_anywhere(county: Session) -> None:
    data = geojson([site("a", IN_2401), site("b", IN_2403)])
    for who in (uploader(county, "karin"), uploader(county, "adam", "admin", "2403")):
        report = check(county, who, data)
        assert report["municipality"] is None
        assert len(report["accepted"]) == 2 and report["refused"] == []


def test_confirm_imports_the_accepted_rows_once_and_audits_it(county: Session) -> None:
    petra = uploader(county, "petra", "planner", "2401")
    report = check(county, petra, geojson([site("a", IN_2401), site("b", ALSO_2401)]),
                   source="Åbacka kommun")  # fmt: skip
    versions = count(county, DataImport)
    done = uploads.confirm_upload(county, petra, report["id"])
    assert done["status"] == "confirmed"
    assert (done["result"]["inserted"], done["result"]["updated"]) == (2, 0)
    stored = sites_of(county, "Åbacka kommun")
    assert sorted(stored) == ["a", "b"]
    assert {r["site_id"] for r in done["accepted"]} == {s.id for s in stored.values()}
    assert count(county, DataImport) == versions + 1
    [audit] = county.scalars(select(AuditLog).where(AuditLog.row_id == report["id"])).all()
    assert audit.user_name == "petra" and audit.action == "import"
    with pytest.raises(Conflict, match="confirmed already"):
        uploads.confirm_upload(county, petra, report["id"])
    assert count(county, DataImport) == versions + 1


def test_the_same_data_again_is_unchanged_and_adds_no_data_version(county: Session) -> None:
    petra = uploader(county, "petra", "planner", "2401")
    data = geojson([site("a", IN_2401)])
    uploads.confirm_upload(county, petra, check(county, petra, data)["id"])
    versions = count(county, DataImport)
    again = check(county, petra, data, filename="samma register.geojson")
    assert again["source"] == "register"  # the same content: the same source
    assert [r["action"] for r in again["accepted"]] == ["unchanged"]
    done = uploads.confirm_upload(county, petra, again["id"])
    assert done["result"]["data_version"] is None and done["result"]["unchanged"] == 1
    assert count(county, DataImport) == versions


def test_nothing_to_import_is_a_conflict_that_writes_nothing(county: Session) -> None:
    petra = uploader(county, "petra", "planner", "2401")
    report = check(county, petra, geojson([site("b", IN_2403)]))
    with pytest.raises(Conflict, match="nothing to import"):
        uploads.confirm_upload(county, petra, report["id"])
    assert sites_of(county, "register") == {}
    assert uploads.get_upload(county, petra, report["id"])["status"] == "pending"


def test_a_change_of_the_stored_sites_meanwhile_is_a_conflict(county: Session) -> None:
    petra = uploader(county, "petra", "planner", "2401")
    feature = site("care-1", ALSO_2401, source="test", name="Björkgården")
    report = check(county, petra, geojson([feature, site("new", IN_2401)]))
    county.execute(update(Site).where(Site.source_id == "care-1").values(municipality_code="2403"))
    county.commit()
    with pytest.raises(Conflict, match="upload the file again"):
        uploads.confirm_upload(county, petra, report["id"])
    assert sites_of(county, "register") == {}
    assert county.scalar(select(Site.name).where(Site.source_id == "care-1")) == (
        "Björkgårdens äldreboende"
    )


def test_someone_elses_unknown_and_expired_uploads_are_not_found(county: Session) -> None:
    petra = uploader(county, "petra", "planner", "2401")
    olof = uploader(county, "olof", "planner", "2401")
    report = check(county, petra, geojson([site("a", IN_2401)]))
    for who, upload_id in ((olof, report["id"]), (petra, "finns-inte-alls-0123"), (petra, "../x")):
        with pytest.raises(NotFound):
            uploads.get_upload(county, who, upload_id)
        with pytest.raises(NotFound):
            uploads.confirm_upload(county, who, upload_id)
    county.execute(update(Upload).where(Upload.id == report["id"])
                   .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))  # fmt: skip
    with pytest.raises(NotFound, match="expired"):
        uploads.confirm_upload(county, petra, report["id"])
    assert sites_of(county, "register") == {}
    assert uploads.purge_expired(county) == 1
    assert county.get(Upload, report["id"], populate_existing=True) is None


def test_an_unusable_file_is_invalid_and_stores_no_upload(county: Session) -> None:
    petra = uploader(county, "petra", "planner", "2401")
    for data, filename in ((b"inte en fil", "register.geojson"),
                           ("name;lon\nÅbacka;20\n".encode(), "register.csv")):  # fmt: skip
        with pytest.raises(InvalidFile) as raised:
            check(county, petra, data, filename=filename)
        assert raised.value.status == 422
    assert count(county, Upload) == 0


def test_a_source_or_file_name_that_cannot_be_stored_is_bad_input(county: Session) -> None:
    petra = uploader(county, "petra", "planner", "2401")
    with pytest.raises(BadInput, match=r"^source"):
        check(county, petra, geojson([site("a", IN_2401)]), source="Åbacka\x00")
    assert count(county, Upload) == 0


def test_a_template_per_category_with_its_fields_and_kinds() -> None:
    for category in CATEGORY:
        text = uploads.template_csv(category)
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        assert rows[0][:6] == ["source_id", "name", "category", "kind", "lon", "lat"]
        assert rows[0][6:] == list(CATEGORY[category].fields)
        assert [r[3] for r in rows[1:]] == list(KINDS[category])
    with pytest.raises(NotFound):
        uploads.template_csv("vården")


def test_scope_is_the_municipality_except_for_admins() -> None:
    assert Uploader(1, "p", "planner", "2401").scope == "2401"
    assert Uploader(1, "a", "admin", "2401").scope is None
    assert Uploader(1, "k", "planner").scope is None
