"""Who leads each of Attachment 1's eight special actions (八大专项攻坚行动): the plan's 牵头单位, verbatim.

Attachment 1 gives each park its share of a target, but names no unit; the plan's section 二(一) closes each action
with 「（牵头单位：…，责任单位：自创区“一区五园”所在地政府、功能区管委会）」. The bulletin lists a park's lagging
target under that lead unit, in the park's district (the park's own government or committee is the 责任单位).
"""
from __future__ import annotations

from dataclasses import dataclass

from geo.errors import UnknownItem


@dataclass(frozen=True)
class ActionLead:
    """An action's lead unit as the plan writes it, and the plan-text line (1-based) that says so."""

    lead_unit: str
    line: int


ACTION_LEADS: dict[int, ActionLead] = {
    1: ActionLead("市科技局", 39),
    2: ActionLead("市科技局", 51),
    3: ActionLead("市投促局", 63),
    4: ActionLead("市委组织部<市委人才办>", 75),
    5: ActionLead("市科技局", 87),
    6: ActionLead("市委改革办、市自创办〈市科技局〉", 97),
    7: ActionLead("市科技局", 107),
    8: ActionLead("市科技局", 115),
}


def action_lead(action: int) -> str:
    """The lead unit of special action ``action`` (1–8); :class:`UnknownItem` for any other number."""
    if action not in ACTION_LEADS:
        raise UnknownItem(f"Attachment 1 has special actions 1–8, got action {action!r}; check targets.csv's "
                          f"'action' column")
    return ACTION_LEADS[action].lead_unit
