"""resilience/services/warning_ingest.py against a real PostGIS: SMHI's IBWW test warnings
and a real CAP alert (../shared/data/warnings) ingested; a CAP update and cancel end the
chain they refer to; the county falls back to our municipalities; an unsupported or
malformed document is refused (WarningFormatError) and changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geodata.loaders.warnings import WarningFormatError
from resilience.config import Settings
from resilience.db import db
from resilience.models import WeatherWarning
from resilience.services import warning_ingest
from resilience.services.warnings import county_geometry
from tests.conftest import shared_file
from tests.factories import ibww, ibww_area, small_county

JSON = "application/json"
METNO_UPDATE = "warnings/cap/cap12_metno_gale_update_polygon_emma_id.xml"
ORIGINAL_ID = "2.49.0.1.578.0.190514063210436.1897"
UPDATE_ID = "2.49.0.1.578.0.190514063336367.1898"


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(WeatherWarning)) or 0


def metno(msg_type: str, identifier: str, sent: str, references: bool = True) -> bytes:
    """MET Norway's real update (a gale at the North Cape), made into the alert it updates
    or a cancel of it: the same areas, another identifier, time sent, msgType and
    references."""
    xml = shared_file(METNO_UPDATE).read_text(encoding="utf-8")
    xml = xml.replace("<msgType>Update</msgType>", f"<msgType>{msg_type}</msgType>")
    xml = xml.replace(UPDATE_ID, identifier)
    xml = xml.replace("<sent>2019-05-14T06:33:36+00:00</sent>", f"<sent>{sent}</sent>")
    if not references:
        start, end = xml.index("<references>"), xml.index("</references>") + len("</references>")
        xml = xml[:start] + xml[end:]
    return xml.encode()


def test_area_catalog_falls_back_to_our_municipalities_for_the_county(
    db_session: Session, settings: Settings
) -> None:
    assert warning_ingest.COUNTY_AREA_ID not in warning_ingest.area_catalog(settings, None).ibww
    small_county(db_session)
    county = county_geometry(db_session)
    area = warning_ingest.area_catalog(settings, county).ibww[warning_ingest.COUNTY_AREA_ID]
    assert area.name_sv == "Västerbottens län"
    assert area.geometry.equals(county)
    # Each call a catalog of its own: the fallback is not left in the cached one.
    assert warning_ingest.COUNTY_AREA_ID not in warning_ingest.area_catalog(settings, None).ibww


def test_area_catalog_from_smhis_and_meteoalarms_files(settings: Settings) -> None:
    files = replace(
        settings,
        ibww_areas_file=str(shared_file("warnings/smhi_ibww_metadata_areas.json")),
        emma_areas_file=str(shared_file("warnings/meteoalarm_emma_id_sweden.geojson")),
    )
    catalog = warning_ingest.area_catalog(files, None)
    assert catalog.ibww[warning_ingest.COUNTY_AREA_ID].name_sv == "Västerbottens län"
    assert {"SE001", "SE801"} <= set(catalog.emma)  # land and sea regions by EMMA_ID


def test_smhis_test_warnings_are_stored_none_in_the_county(
    db_session: Session, settings: Settings
) -> None:
    small_county(db_session)
    document = shared_file("warnings/smhi_ibww_test_warnings.json").read_bytes()
    result = warning_ingest.ingest(db_session, settings, document, f"{JSON}; charset=utf-8")
    assert result.report.stored == 11 and result.refused == []
    assert result.recalculation is None  # nothing in Västerbotten: no live run due
    stored = db_session.scalars(select(WeatherWarning)).all()
    assert not any(w.in_county for w in stored)
    assert "TEST Västra Götalands län" in {w.area_name_sv for w in stored}
    assert result.to_dict() == {
        "stored": 11, "unchanged": 0, "ended": 0, "restored": 0, "refused": [],
        "recalculation": None,
    }  # fmt: skip


def test_a_warning_over_the_county_asks_for_a_recalculation(
    db_session: Session, settings: Settings
) -> None:
    small_county(db_session)
    result = warning_ingest.ingest(
        db_session, settings, json.dumps(ibww(ibww_area())).encode(), JSON
    )
    assert result.report.stored == 1 and result.recalculation is not None
    [warning] = db_session.scalars(select(WeatherWarning)).all()
    assert warning.in_county and warning.posted_by is None


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        (b"[{inte json", JSON),
        (b'{"id": 1}', JSON),
        (b"<alert/>", "application/cap+xml"),
        (json.dumps(ibww(ibww_area())).encode(), "text/plain"),
        (json.dumps(ibww(ibww_area())).encode(), ""),
    ],
)
def test_a_bad_document_is_refused_and_stores_nothing(
    db_session: Session, settings: Settings, payload: bytes, content_type: str
) -> None:
    small_county(db_session)
    with pytest.raises(WarningFormatError):
        warning_ingest.ingest(db_session, settings, payload, content_type)
    assert count(db_session) == 0


def test_a_cap_update_ends_the_alert_it_updates_and_continues_its_identity(
    db_session: Session, settings: Settings
) -> None:
    original = warning_ingest.ingest(
        db_session,
        settings,
        metno("Alert", ORIGINAL_ID, "2019-05-14T06:32:10+00:00", references=False),
        "application/xml",
    )
    assert original.report.stored == 1
    [first] = db_session.scalars(select(WeatherWarning)).all()
    assert first.current and first.message.endswith(ORIGINAL_ID)
    update = shared_file(METNO_UPDATE).read_bytes()
    updated = warning_ingest.ingest(db_session, settings, update, "text/xml")
    assert updated.report.stored == 1
    rows = {w.message.rsplit(":", 1)[-1]: w for w in db_session.scalars(select(WeatherWarning))}
    assert not rows[ORIGINAL_ID].current and not rows[ORIGINAL_ID].cancelled
    assert rows[UPDATE_ID].current
    # The update's area continues the chain's identity: a later message replaces it too.
    assert rows[UPDATE_ID].identity.rsplit(":", 2)[0] == first.identity.rsplit(":", 2)[0]
    # The same update posted again stays as it is.
    warning_ingest.ingest(db_session, settings, update, "text/xml")
    assert db_session.get(WeatherWarning, rows[UPDATE_ID].id).current  # type: ignore[union-attr]


def test_a_cap_update_sent_in_the_same_second_takes_the_alerts_place(
    db_session: Session, settings: Settings
) -> None:
    """An Update with the <sent> of the alert it updates (whole seconds) has the alert's
    identity and version. It used to end the alert and be counted unchanged: no row was
    current. Now it takes the alert's row, in force, as the update."""
    same_second = "2019-05-14T06:33:36+00:00"  # the update's own <sent>
    alert = metno("Alert", ORIGINAL_ID, same_second, references=False)
    warning_ingest.ingest(db_session, settings, alert, "application/xml")
    update = shared_file(METNO_UPDATE).read_bytes()
    result = warning_ingest.ingest(db_session, settings, update, "application/xml")
    assert (result.report.stored, result.report.unchanged) == (1, 0)
    [row] = db_session.scalars(select(WeatherWarning)).all()
    assert row.current and not row.cancelled
    assert row.message.endswith(UPDATE_ID) and row.area_name_en == "Loppa - North Cape"
    again = warning_ingest.ingest(db_session, settings, update, "application/xml")
    assert (again.report.stored, again.report.unchanged) == (0, 1)
    assert db_session.scalars(select(WeatherWarning.current)).all() == [True]


def test_a_cap_cancel_cancels_the_whole_chain(db_session: Session, settings: Settings) -> None:
    warning_ingest.ingest(
        db_session,
        settings,
        metno("Alert", ORIGINAL_ID, "2019-05-14T06:32:10+00:00", references=False),
        "application/xml",
    )
    warning_ingest.ingest(db_session, settings, shared_file(METNO_UPDATE).read_bytes(), "text/xml")
    cancel = metno("Cancel", "2.49.0.1.578.0.190514070000000.1899", "2019-05-14T07:00:00+00:00")
    result = warning_ingest.ingest(db_session, settings, cancel, "application/xml")
    assert result.report.ended >= 1
    before = [w for w in db_session.scalars(select(WeatherWarning)) if "1899" not in w.message]
    assert len(before) == 2
    assert not any(w.current for w in before)
    assert any(w.cancelled for w in before)


def test_receive_commits_a_pushed_document_with_who_posted_it(
    committed: Session, settings: Settings
) -> None:
    small_county(committed)
    payload = json.dumps(ibww(ibww_area())).encode()
    result = warning_ingest.receive(committed, settings, payload, JSON, posted_by="åsa")
    assert result.report.stored == 1
    assert db.session_factory is not None
    with db.session_factory() as other:  # committed: another session sees it
        [warning] = other.scalars(select(WeatherWarning)).all()
        assert warning.posted_by == "åsa"


def test_receive_of_a_bad_document_rolls_back_and_changes_nothing(
    committed: Session, settings: Settings
) -> None:
    small_county(committed)
    warning_ingest.receive(committed, settings, json.dumps(ibww(ibww_area())).encode(), JSON)
    with pytest.raises(WarningFormatError):
        warning_ingest.receive(committed, settings, b"[{inte json", JSON)
    assert db.session_factory is not None
    with db.session_factory() as other:
        assert count(other) == 1
