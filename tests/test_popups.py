"""The map popups' fixed field order (web/core/popups.py): what a planner reads first, then the rest, no internal keys."""
from __future__ import annotations

from web.core.labels import FIELD_LABELS, map_options
from web.core.popups import POPUP_HIDDEN, popup_order, popup_spec

LEAD = ["id", "status", "closed_on", "closed_by", "stale", "status_as_of", "access_pass", "access_status",
        "worst_min", "median_min", "progress_percent", "expected_percent", "last_reported_on", "reporter",
        "lead_unit", "district", "districts", "target_2021", "geometry_source"]


def test_the_lead_fields_come_first_in_the_planners_order() -> None:
    order = popup_order(FIELD_LABELS)
    assert order[:len(LEAD)] == LEAD
    assert order.index("status") < order.index("progress_percent") < order.index("last_reported_on") \
        < order.index("lead_unit") < order.index("district") < order.index("target_2021")


def test_the_rest_follow_the_label_order_without_hidden_or_repeated_fields() -> None:
    order = popup_order(FIELD_LABELS)
    rest = order[len(LEAD):]
    assert rest == [key for key in FIELD_LABELS if key not in POPUP_HIDDEN and key not in LEAD]
    assert len(order) == len(set(order))
    assert not set(order) & {"name", "status_color", "closed", "version", "node_id"}
    # what used to come first (sorted by English key) now comes after the plan fields
    assert order.index("close_note") > order.index("geometry_source")


def test_only_labelled_properties_are_in_the_order() -> None:
    # the script shows only the keys of the order: a property the labels do not know is never shown
    assert popup_order({"status": "状态", "id": "编号", "version": "版本"}) == ["id", "status"]
    assert set(popup_order(FIELD_LABELS)) <= set(FIELD_LABELS)


def test_the_position_source_reads_as_such() -> None:
    assert FIELD_LABELS["geometry_source"] == "位置来源"
    assert FIELD_LABELS["closed_by"] == "销号人" and FIELD_LABELS["status_as_of"] == "颜色判定日期（北京时间）"


def test_the_map_script_gets_the_order_the_always_shown_fields_and_the_repeats() -> None:
    options = map_options()
    assert options["popupOrder"] == popup_order(FIELD_LABELS)
    assert options["popupAlways"] == ["id", "status", "progress_percent", "last_reported_on", "lead_unit",
                                      "district", "districts", "target_2021", "geometry_source"]
    assert options["popupRedundant"] == {"districts": "district"}
    assert options["nameLabels"] == {"layer": "blocks", "minZoom": 13}
    parks = popup_spec({"id": "编号", "name": "名称", "status": "目标完成情况", "green": "按期推进（项）",
                        "district": "所在地区"})
    assert parks["popupOrder"] == ["id", "status", "district", "green"]
