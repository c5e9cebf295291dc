"""A saved tour over the tiny plan with check-ins and photos stored through the field mode's own writes, for the
inspection-report tests (:mod:`geo.field.inspection_report`, :mod:`web.tours.inspection_report`).

The tour is planned on a synthetic grid road network laid over the tiny plan of ``conftest.py``; its stops are the
plan's B01 (a block), R01 (a road) and E02 (a task), so that progress reports can be written for them.
"""
from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image

from geo.field.checkins import CheckinInput, record_checkin
from geo.field.photos import PhotoInput, record_photo
from geo.field.media_store import MediaStore
from geo.plan.layers import PlanData
from geo.field.saved_tours import SavedTour, save_tour
from geo.status.store import Store
from geo.network.synthetic import synthetic_grid_network
from geo.tours.routing import routing_graph
from geo.tours.sites import Site
from geo.tours.planner import plan_tour
from geo.tours.request import TourRequest

BEIJING = timezone(timedelta(hours=8))
TOUR_DATE = date(2021, 6, 18)
START = Site(id="HQ", name="指挥部", kind="reference", lon=120.075, lat=27.875)
SITES = [Site(id="B01", name="测试区块", kind="block", lon=120.10, lat=27.90),
         Site(id="R01", name="测试大道", kind="road", lon=120.12, lat=27.90),
         Site(id="E02", name="道路整治", kind="task", lon=120.085, lat=27.91)]
REQUEST = {"sites": ["B01", "R01", "E02"], "start": "HQ", "end": "start", "depart": "08:30", "dwell": 20.0}


@pytest.fixture(scope="module")
def planned() -> dict:
    """The tour as JSON like ``POST /api/tours`` answers it, on a grid network covering the tiny plan."""
    network = synthetic_grid_network(400, seed=5, spacing_m=300.0, origin=(120.07, 27.87))
    return json.loads(json.dumps(plan_tour(routing_graph(network), TourRequest(sites=SITES, start=START))))


def saved(store: Store, planned: dict, *, tour_date: date = TOUR_DATE) -> SavedTour:
    """The planned tour saved as 二季度观摩 by 张三."""
    return save_tour(store, title="二季度观摩", tour_date=tour_date, owner="张三", request=REQUEST, result=planned)


def check_in(store: Store, plan: PlanData, tour: SavedTour, site_id: str, *, at: datetime, lon: float | None = None,
             lat: float | None = None, note: str = "", estimate: int | None = None, author: str = "editor") -> dict:
    """A check-in stored as the field API stores one (distance to the site computed there); returns its record."""
    # the input carries UTC, as geo.field.submissions.parse_moment gives it
    checkin = CheckinInput(client_id=f"c-{site_id}-{at.isoformat()}", site_id=site_id,
                           checked_in_at=at.astimezone(timezone.utc), lat=lat,
                           lon=lon, accuracy_m=12.0 if lat is not None else None, note=note,
                           progress_estimate=estimate)
    record, created = record_checkin(store, plan, tour, checkin, author=author)
    assert created
    return record


def png_bytes(*, colour: tuple[int, int, int] = (200, 60, 40), size: tuple[int, int] = (320, 240)) -> bytes:
    """A small real PNG photo."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def photo(store: Store, media: MediaStore, tour: SavedTour, site_id: str, *, client_id: str,
          checkin_client_id: str | None = None) -> dict:
    """A photo stored as the field API stores one (cleaned, into ``media``); returns its record."""
    fields = PhotoInput(client_id=client_id, site_id=site_id, checkin_client_id=checkin_client_id, exif_lat=None,
                        exif_lon=None, taken_at=datetime(2021, 6, 18, 1, 20, tzinfo=timezone.utc))
    record, created = record_photo(store, media, tour, fields, png_bytes(), author="editor")
    assert created
    return record
