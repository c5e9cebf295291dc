"""Check-ins at a saved tour's stops (geo/field/checkins.py, geo/field/submissions.py): distance to the site's current
geometry in metres and the far flag, idempotency by client_id, conflicts, validation, the audit log."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from geo.status import models
from geo.errors import ValidationError
from geo.field.checkins import (
    FAR_M, distance_m, list_checkins, parse_checkin, record_checkin, site_geometry,
)
from geo.field.submissions import ClientIdConflict
from geo.status.records import add_geometry_version
from geo.field.saved_tours import SavedTour, save_tour
from geo.status.store import Store

# B01 of the tiny plan is a square centred on 120.1°E 27.9°N reaching 0.01° (about 1.1 km north-south) each way.
B01_NORTH_EDGE = 27.91
METRES_PER_DEGREE_LAT = 110_800  # near 27.9°N (derived: the meridian arc length there, rounded)


def _tour(store: Store) -> SavedTour:
    stops = [{"id": site, "name": site, "role": "stop", "lon": lon, "lat": lat}
             for site, lon, lat in (("B01", 120.1, 27.9), ("E01", 120.1, 27.9), ("R01", 120.12, 27.9))]
    result = {"points": [{"id": "温州市人民政府", "name": "温州市人民政府", "role": "start", "lon": 120.69,
                          "lat": 28.0}, *stops], "order": [{"id": s["id"], "name": s["name"]} for s in stops]}
    return save_tour(store, title="二季度观摩", tour_date="2021-06-30", owner="editor",
                     request={"sites": ["B01", "E01", "R01"]}, result=result)


def _body(**changes: object) -> dict:
    return {"client_id": "c-0001", "site_id": "B01", "checked_in_at": "2021-06-30T09:15:00+08:00",
            "lat": 27.9, "lon": 120.1, "accuracy_m": 12, "note": "现场施工中", "progress_estimate": 60, **changes}


def _north_of_b01(metres: float) -> dict:
    return {"lat": B01_NORTH_EDGE + metres / METRES_PER_DEGREE_LAT, "lon": 120.1}


def _count(store: Store, entity) -> int:
    with store.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(entity))


def test_distance_is_measured_in_metres_to_the_site_and_zero_inside(store, plan) -> None:
    geometry = site_geometry(store, plan, "B01")
    assert distance_m(geometry, lon=120.1, lat=27.9) == 0
    assert distance_m(geometry, **_north_of_b01(300)) == pytest.approx(300, rel=0.01)
    road = site_geometry(store, plan, "R01")  # the line 120.11–120.13 along 27.9°N
    assert distance_m(road, lon=120.12, lat=27.9 - 200 / METRES_PER_DEGREE_LAT) == pytest.approx(200, rel=0.01)


@pytest.mark.parametrize(("metres", "far"), [(400, False), (600, True)])
def test_a_check_in_beyond_500_m_is_kept_and_flagged_far(store, plan, metres: float, far: bool) -> None:
    tour = _tour(store)
    stored, created = record_checkin(store, plan, tour, parse_checkin(_body(**_north_of_b01(metres)), tour),
                                     author="editor")
    assert created and stored["far"] is far and stored["distance_m"] == pytest.approx(metres, rel=0.01)
    assert (stored["distance_m"] > FAR_M) is far


def test_the_distance_is_to_the_latest_geometry_version_which_a_block_task_follows(store, plan) -> None:
    tour = _tour(store)
    moved = {"type": "Polygon", "coordinates": [[[120.125, 27.895], [120.135, 27.895], [120.135, 27.905],
                                                 [120.125, 27.905], [120.125, 27.895]]]}
    add_geometry_version(store, plan, "B01", moved, author="editor", expected_version=0)
    # the plan's B01 centre is now about 2.5 km west of the stored square's western edge (120.125°E)
    for client_id, site in (("c-b", "B01"), ("c-e", "E01")):
        stored, _ = record_checkin(store, plan, tour, parse_checkin(_body(client_id=client_id, site_id=site), tour),
                                   author="editor")
        assert stored["far"] and stored["distance_m"] == pytest.approx(2470, rel=0.02)
    inside, _ = record_checkin(store, plan, tour, parse_checkin(_body(client_id="c-in", lon=120.13), tour),
                               author="editor")
    assert inside["distance_m"] == 0 and not inside["far"]


def test_a_retry_returns_the_stored_check_in_and_stores_nothing_more(store, plan) -> None:
    tour = _tour(store)
    first, created = record_checkin(store, plan, tour, parse_checkin(_body(), tour), author="editor")
    again, created_again = record_checkin(store, plan, tour, parse_checkin(
        _body(checked_in_at="2021-06-30T01:15:00Z"), tour), author="editor")  # the same moment, written in UTC
    assert created and not created_again and again == first
    assert _count(store, models.TourCheckin) == 1
    with store.read() as session:
        audits = session.scalars(sa.select(models.AuditEntry).where(models.AuditEntry.action == "tour_checkin")).all()
    assert [(a.actor, a.item_id, a.details["client_id"]) for a in audits] == [("editor", "B01", "c-0001")]
    assert [c["client_id"] for c in list_checkins(store, tour.id)] == ["c-0001"]


@pytest.mark.parametrize(("changes", "fields"), [({"note": "另一条说明"}, ["note"]),
                                                 ({"progress_estimate": 70, "site_id": "R01"},
                                                  ["site_id", "progress_estimate"])])
def test_the_same_client_id_with_other_content_is_a_conflict(store, plan, changes: dict, fields: list) -> None:
    tour = _tour(store)
    record_checkin(store, plan, tour, parse_checkin(_body(), tour), author="editor")
    with pytest.raises(ClientIdConflict, match="c-0001.*already stored") as caught:
        record_checkin(store, plan, tour, parse_checkin(_body(**changes), tour), author="editor")
    assert caught.value.fields == fields
    assert _count(store, models.TourCheckin) == 1


def test_a_check_in_without_a_position_has_no_distance(store, plan) -> None:
    tour = _tour(store)
    stored, _ = record_checkin(store, plan, tour, parse_checkin(_body(lat=None, lon=None, accuracy_m=None), tour),
                               author="editor")
    assert stored["distance_m"] is None and stored["far"] is False and stored["lat"] is None


def test_every_bad_member_is_named_at_once(store, plan) -> None:
    tour = _tour(store)
    body = _body(client_id="no spaces allowed", site_id="B99", checked_in_at="2021-06-30T09:15:00",
                 lat=95, progress_estimate=101, accuracy_m=-1, extra=1)
    with pytest.raises(ValidationError) as caught:
        parse_checkin(body, tour)
    fields = {problem.field for problem in caught.value.problems}
    assert fields == {"client_id", "site_id", "checked_in_at", "lat", "progress_estimate", "accuracy_m", "extra"}
    with pytest.raises(ValidationError, match="both or neither"):
        parse_checkin(_body(lon=None), tour)
    with pytest.raises(ValidationError, match="JSON object"):
        parse_checkin(["B01"], tour)
