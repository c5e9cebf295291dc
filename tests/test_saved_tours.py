"""Saved tours in the status database: storing a planned tour with its audit entry, listing, reading, next stop."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from geo.status import models
from geo.errors import UnknownItem, ValidationError
from geo.field.saved_tours import (
    MAX_TITLE_CHARS, UnknownTour, checked_in_sites, get_tour, list_tours, next_stop, save_tour,
)
from geo.status.store import utc_now
from geo.network.synthetic import synthetic_grid_network
from geo.tours.routing import routing_graph
from geo.tours.sites import Site
from geo.tours.planner import plan_tour
from geo.tours.request import TourRequest

START = Site(id="HQ", name="指挥部", kind="reference", lon=120.605, lat=27.905)
SITES = [Site(id=f"S{i}", name=f"点位{i}", kind="block", lon=lon, lat=lat)
         for i, (lon, lat) in enumerate([(120.640, 27.930), (120.615, 27.945), (120.655, 27.910)], start=1)]
REQUEST = {"sites": ["S1", "S2", "S3"], "start": "HQ", "end": "start", "depart": "08:30", "dwell": 20.0}


@pytest.fixture(scope="module")
def planned() -> dict:
    """A tour planned on a real (synthetic grid) road network, as JSON like ``POST /api/tours`` answers it."""
    network = synthetic_grid_network(400, seed=3, spacing_m=300.0, origin=(120.60, 27.90))
    return json.loads(json.dumps(plan_tour(routing_graph(network), TourRequest(sites=SITES, start=START))))


def _audit(store) -> list[models.AuditEntry]:
    with store.read() as session:
        return list(session.scalars(sa.select(models.AuditEntry).order_by(models.AuditEntry.id)))


def _check_in(store, tour_id: int, site_id: str) -> None:
    with store.write() as session:
        session.add(models.TourCheckin(client_id=f"c-{site_id}", tour_id=tour_id, site_id=site_id,
                                       checked_in_at=datetime(2021, 6, 18, 9, tzinfo=timezone.utc),
                                       received_at=utc_now(), far=False, note="", author="张三"))


def test_saved_tour_reads_back_frozen_and_is_audited(store, planned) -> None:
    saved = save_tour(store, title=" 二季度观摩 ", tour_date="2021-06-18", owner="张三", request=REQUEST,
                      result=planned)
    again = get_tour(store, saved.id)
    assert again == saved
    assert (again.title, again.tour_date, again.owner) == ("二季度观摩", date(2021, 6, 18), "张三")
    assert again.request == REQUEST and again.result == planned
    assert again.created_at.tzinfo is not None
    assert [stop["id"] for stop in again.stops()] == [site["id"] for site in planned["order"]]
    assert sorted(stop["id"] for stop in again.stops()) == ["S1", "S2", "S3"]
    entry, = _audit(store)
    assert (entry.action, entry.actor, entry.item_id) == ("tour_save", "张三", None)
    assert entry.details == {"tour_id": saved.id, "title": "二季度观摩", "tour_date": "2021-06-18",
                             "sites": [stop["id"] for stop in again.stops()]}
    body = again.to_json()
    assert body["tour_date"] == "2021-06-18" and body["result"]["legs"] == planned["legs"]


def test_list_shows_the_latest_tour_date_first(store, planned) -> None:
    for title, day in (("一季度", "2021-03-20"), ("三季度", "2021-09-20"), ("二季度", "2021-06-18")):
        save_tour(store, title=title, tour_date=day, owner="张三", request=REQUEST, result=planned)
    assert [tour.title for tour in list_tours(store)] == ["三季度", "二季度", "一季度"]


def test_bad_title_and_date_are_named_together_and_nothing_is_stored(store, planned) -> None:
    with pytest.raises(ValidationError, match=r"(?s)title: must not be empty.*tour_date: expected a date"):
        save_tour(store, title="  ", tour_date="2021-02-30", owner="张三", request=REQUEST, result=planned)
    with pytest.raises(ValidationError, match=f"expected at most {MAX_TITLE_CHARS} characters"):
        save_tour(store, title="路" * (MAX_TITLE_CHARS + 1), tour_date=date(2021, 6, 18), owner="张三",
                  request=REQUEST, result=planned)
    assert list_tours(store) == [] and _audit(store) == []


def test_a_tour_visiting_no_site_is_refused(store, planned) -> None:
    empty = {**planned, "points": [p for p in planned["points"] if p["role"] != "stop"]}
    with pytest.raises(ValidationError, match="sites: expected a tour visiting at least one site"):
        save_tour(store, title="空路线", tour_date="2021-06-18", owner="张三", request=REQUEST, result=empty)


def test_unknown_tour_is_an_unknown_item(store) -> None:
    with pytest.raises(UnknownTour, match="no saved tour has the id 7") as raised:
        get_tour(store, 7)
    assert isinstance(raised.value, UnknownItem) and isinstance(raised.value, KeyError)
    assert raised.value.item_id == "7"


def test_next_stop_is_the_first_without_a_check_in(store, planned) -> None:
    saved = save_tour(store, title="二季度观摩", tour_date="2021-06-18", owner="张三", request=REQUEST,
                      result=planned)
    other = save_tour(store, title="另一条", tour_date="2021-06-19", owner="张三", request=REQUEST, result=planned)
    first, second, third = (stop["id"] for stop in saved.stops())
    assert next_stop(saved, checked_in=checked_in_sites(store, saved.id)) == first
    _check_in(store, saved.id, second)  # out of order: the first is still the next
    assert checked_in_sites(store, saved.id) == {second}
    assert next_stop(saved, checked_in=checked_in_sites(store, saved.id)) == first
    _check_in(store, saved.id, first)
    assert next_stop(saved, checked_in=checked_in_sites(store, saved.id)) == third
    _check_in(store, saved.id, third)
    assert next_stop(saved, checked_in=checked_in_sites(store, saved.id)) is None
    assert checked_in_sites(store, other.id) == set()  # check-ins belong to their own tour
