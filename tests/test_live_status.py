"""Incremental status (web/core/live_status.py LiveStatus): a write recomputes the rows of the items it touched, and the
rows always equal a full recomputation; a new day or a rewritten history recomputes them all."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from geo.status import models
from geo.status.merged import status_rows
from geo.status.snapshot import item_states, latest_change_id
from status_web_fixtures import login, report_body, status_app  # noqa: F401
from web.core.database import app_store
from web.core.live_status import LIVE_EXTENSION
from web.core.features import ITEM_LAYERS
from web.core.state import corridor_state


@pytest.fixture
def editor(status_app):
    client = status_app.test_client()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = login(client, "editor")
    return client


def full_rows(app) -> dict[str, dict]:
    live = app.extensions[LIVE_EXTENSION]
    plan = corridor_state(app).plan
    ids = [item_id for layer in ITEM_LAYERS for item_id in getattr(plan, layer)["id"]]
    return status_rows(item_states(app_store(app), as_of=live.day), ids, as_of=live.day)


def test_a_report_recomputes_only_its_item(status_app, editor) -> None:
    live = status_app.extensions[LIVE_EXTENSION]
    editor.get("/api/blocks")
    before = dict(live.rows)
    assert editor.post("/api/items/B01/reports", json=report_body()).status_code == 201
    assert editor.get("/api/blocks/B01").get_json()["properties"]["progress_percent"] == 40
    assert live.rows == full_rows(status_app)
    assert live.rows["B01"] is not before["B01"] and live.rows["B01"] != before["B01"]
    untouched = [item_id for item_id in before if item_id != "B01"]
    assert untouched and all(live.rows[item_id] is before[item_id] for item_id in untouched)


def test_a_check_off_and_a_report_in_between_refreshes_both(status_app, editor) -> None:
    live = status_app.extensions[LIVE_EXTENSION]
    editor.get("/api/tasks")
    before = dict(live.rows)
    assert editor.post("/api/items/E01/close", json={"note": "完成", "expected_version": 0}).status_code == 201
    assert editor.post("/api/items/R01/reports", json=report_body()).status_code == 201
    editor.get("/api/tasks")
    assert live.rows == full_rows(status_app) and live.rows["E01"]["closed"] is True
    assert {item_id for item_id in before if live.rows[item_id] is not before[item_id]} == {"E01", "R01"}


def test_a_rewritten_history_or_a_new_day_recomputes_every_row(status_app, editor) -> None:
    live = status_app.extensions[LIVE_EXTENSION]
    assert editor.post("/api/items/B01/reports", json=report_body()).status_code == 201
    editor.get("/api/blocks")
    before = dict(live.rows)
    store = app_store(status_app)
    with store.engine.begin() as connection:  # as a restore of another database would leave it
        connection.execute(sa.update(models.AuditEntry).where(models.AuditEntry.id == live.change_id)
                           .values(at=live.change_at - timedelta(days=3)))
    assert editor.post("/api/items/R01/reports", json=report_body()).status_code == 201
    editor.get("/api/blocks")
    assert all(live.rows[item_id] is not before[item_id] for item_id in before)
    assert live.rows == full_rows(status_app)
    rows = dict(live.rows)
    tomorrow = live.day + timedelta(days=1)
    live.refresh(status_app, latest_change_id(store), today=tomorrow)
    assert all(live.rows[item_id] is not rows[item_id] for item_id in rows) and live.rows == full_rows(status_app)
