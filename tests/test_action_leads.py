"""The lead units of Attachment 1's special actions (geo/plan/action_leads.py) are the plan's words on the lines cited."""
from __future__ import annotations

import pytest

from geo.plan.action_leads import ACTION_LEADS, action_lead
from geo.errors import UnknownItem
from geo.plan.provenance import read_plan_text
from geo.plan.target_plan import load_target_plan


def test_each_lead_unit_is_quoted_from_its_line_of_the_plan():
    lines = read_plan_text().splitlines()
    for action, lead in ACTION_LEADS.items():
        assert f"牵头单位：{lead.lead_unit}，" in lines[lead.line - 1], action
    assert sorted(ACTION_LEADS) == list(range(1, 9))


def test_every_target_has_a_lead_unit_and_unknown_actions_are_refused():
    assert {action_lead(target.action) for target in load_target_plan().targets} == {
        "市科技局", "市投促局", "市委组织部<市委人才办>", "市委改革办、市自创办〈市科技局〉"}
    with pytest.raises(UnknownItem, match="special actions 1–8, got action 9"):
        action_lead(9)
