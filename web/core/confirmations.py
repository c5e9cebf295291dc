"""Asking before writing what is unusual: the ``confirm`` flag of a write and the page's confirmation step.

:mod:`geo.status.plausibility` refuses what cannot be true and raises :class:`~geo.errors.NeedsConfirmation` for what is
merely unusual. The JSON API answers that with 422 ``{"error": "needs_confirmation", "message", "reasons"}``
(:mod:`web.core.errors`); the client sends the write again with ``"confirm": true``. A page shows its form's
:func:`confirmation` panel instead: the reasons in Chinese and a 确认提交 button that posts the same values with
``confirm=1``. Closing an item (销号) is always asked for on the page (:func:`closing_confirmation`), with the
reasons it is unusual when there are some.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geo.status.edits import check_check_off
from geo.errors import EditConflict, NeedsConfirmation, ValidationError
from geo.status.plausibility import unusual_closing
from geo.status.snapshot import item_state
from geo.plan.validate import Problem
from web.core import messages
from web.core.as_of import beijing_today
from web.core.database import app_store

FIELD = "confirm"
_YES = frozenset({"1", "true", "on", "yes"})
_NO = frozenset({"", "0", "false", "off", "no"})


def confirm_flag(item_id: str, value: object) -> bool:
    """The ``confirm`` of a write: JSON ``true``/``false`` (absent: false) or a form's ``1``/``true``/``on``
    (empty or absent: false).

    Raises
    ------
    ValidationError
        Naming ``confirm`` for anything else.
    """
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _YES | _NO:
        return value.strip().lower() in _YES
    raise ValidationError([Problem("request", item_id, FIELD, f"expected true or false, got {value!r}",
                                   kind="confirm_flag", details={"got": str(value)})])


def reasons(findings: list) -> list[dict[str, object]]:
    """The findings as :func:`web.core.messages.problem_dicts` (Chinese, with ``kind`` and the field's ``label``)."""
    return messages.problem_dicts(findings)


def summary(found: list[dict[str, object]]) -> str:
    """The API's Chinese message for a write that needs confirmation."""
    return ("数值不同寻常，尚未保存：" + messages.problems_message(found)
            + "。请核对；确认无误后在请求中加上 \"confirm\": true 重新提交。")


def confirmation(exc: NeedsConfirmation, *, action: str, values: Mapping[str, Any],
                 cancel: str) -> dict[str, Any]:
    """The page's confirmation panel for a refused-until-confirmed form: posts ``values`` again to ``action``
    (``cancel``: where 返回修改 leads)."""
    return {"title": "以下数值不同寻常，尚未保存。请核对：", "reasons": reasons(exc.findings), "action": action,
            "values": _hidden(values), "button": "确认无误，提交", "cancel": cancel}


def closing_confirmation(item_id: str, *, action: str, values: Mapping[str, Any], actor: str, version: int,
                         cancel: str) -> dict[str, Any]:
    """The panel asking to confirm closing (销号) ``item_id``, with why it is unusual (no report, not 已完成).

    Raises
    ------
    EditConflict, ValidationError
        First, when the close itself would be refused: the item moved on from ``version``, or
        :func:`geo.status.edits.check_check_off` finds a problem.
    """
    state = item_state(app_store(), item_id)
    if state.version != version:
        raise EditConflict(item_id, version, state.version)
    today = beijing_today()  # as the forms' default dates (web.core.as_of)
    _, problems = check_check_off(item_id, closing=True, currently_closed=state.closed, note=values.get("note"),
                                  effective_on=values.get("effective_on") or today, actor=actor, today=today)
    if problems:
        raise ValidationError(problems)
    findings = unusual_closing(item_id, state.report)
    title = (f"确认对 {item_id} 销号？销号后该条目计为完成（绿色），销号说明：「{values.get('note') or ''}」。"
             + ("请注意：" if findings else ""))
    return {"title": title, "reasons": reasons(findings), "action": action, "values": _hidden(values),
            "button": "确认销号", "cancel": cancel}


def _hidden(values: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in values.items() if value is not None and name != FIELD}
