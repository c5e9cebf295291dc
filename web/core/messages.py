"""Every error a user meets, said in Simplified Chinese with the field's label; English for an API client that asks.

:mod:`geo` says what is wrong in English for the command line and logs, and gives each problem a stable ``kind``
with the values it quotes (:class:`geo.plan.validate.Problem`, :class:`geo.errors.InvalidParameter`). This module words
them in Chinese from :mod:`web.core.message_texts`, never by reading the English. A message written in Chinese already
(a problem without a kind) is shown as it is; any other problem without a kind gets a general Chinese sentence that
still names the field.

Pages are always Chinese. The JSON API answers ``{"error": <stable English code>, "message": <Chinese>, ...}``, and
the English message when the client prefers English to Chinese (``Accept-Language``, :func:`english_requested`).
"""
from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask import current_app, has_app_context, has_request_context, request

from geo.errors import EditConflict, InvalidParameter, UnknownItem
from web.core.message_texts import (
    CHOICE_LABELS, FALLBACK_TEXT, FIELD_LABELS, GEOMETRY_TYPE_LABELS, HTTP_TEXTS, KIND_TEXTS, POLICY_TEXTS,
    UNIT_LABELS,
)

logger = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3400-\u9fff]")
_INDEXED = re.compile(r"^(?P<base>[A-Za-z_]+)\[(?P<index>[^\]]+)\](?:\.(?P<member>[A-Za-z_]+))?$")
SHOWN_CHARS = 60


def english_requested() -> bool:
    """Whether the request's ``Accept-Language`` puts English before Chinese (no header: Chinese)."""
    if not has_request_context():
        return False
    for language, _quality in request.accept_languages:  # best first
        primary = language.split("-")[0].lower()
        if primary in ("zh", "en"):
            return primary == "en"
    return False


def field_label(field: str | None) -> str:
    """The Chinese label of a form field, parameter or JSON member (``a, b`` → both labels; unknown: the name)."""
    if not field:
        return "请求"
    if ", " in field:
        return "、".join(field_label(part) for part in field.split(", "))
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    indexed = _INDEXED.match(field)
    if indexed:  # milestones[0].due_on, dwell[B01]
        base = FIELD_LABELS.get(indexed["base"], indexed["base"])
        member = {"due_on": "日期", "percent": "进度"}.get(indexed["member"] or "", indexed["member"] or "")
        index = indexed["index"]
        place = f"第{int(index) + 1}项" if index.isdigit() else index
        return f"{base}（{place}{'·' + member if member else ''}）"
    if "." in field:  # dwell_by_site.B01, query.status
        base, _, rest = field.partition(".")
        return f"{FIELD_LABELS.get(base, base)}·{FIELD_LABELS.get(rest, rest)}"
    return field


def shown(value: object) -> str:
    """A value as a Chinese message quotes it."""
    if value is None or value == "":
        return "空值"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int) and abs(value) >= 10 ** 300:
        return "超过 300 位的数字"
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(shown(item) for item in value) or "空值"
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def shown_details(details: Mapping[str, Any]) -> dict[str, str]:
    """The details of a problem formatted for :data:`KIND_TEXTS` (``got`` quoted in 「」, codes as their labels)."""
    out = {key: shown(value) for key, value in details.items()}
    if "got" in details:
        out["got"] = f"「{shown(details['got'])}」"
    if "choices" in details:
        out["choices"] = "、".join(dict.fromkeys(CHOICE_LABELS.get(str(c), str(c)) for c in details["choices"]))
    if "allowed" in details:  # parameter names as the URL or the body spells them, with their labels
        out["allowed"] = "、".join(f"{name}（{field_label(name)}）" if field_label(name) != name else name
                                   for name in details["allowed"])
    if "unit" in details:
        out["unit"] = UNIT_LABELS.get(str(details["unit"]), str(details["unit"]))
    if "expected" in details:
        out["expected"] = "或".join(GEOMETRY_TYPE_LABELS.get(str(t), str(t)) for t in details["expected"])
    if isinstance(details.get("got"), str) and details["got"] in GEOMETRY_TYPE_LABELS:
        out["got"] = GEOMETRY_TYPE_LABELS[details["got"]]
    for key in ("distance_m", "tolerance_m"):
        if key in details:
            out[key] = f"{float(details[key]):,.0f}"
    for key in ("low", "high", "limit", "earlier", "later", "needed"):
        if isinstance(details.get(key), float):
            out[key] = f"{details[key]:,.10g}"
    return out


def kind_text(kind: str | None, details: Mapping[str, Any], *, english: str, field: str | None = None) -> str:
    """The Chinese sentence for a problem of ``kind`` about ``field`` (without the field's label); ``english`` is the
    message :mod:`geo` wrote, shown as it is only when it is Chinese already."""
    if kind is None and field == "body":  # web.infra.json_body: what is wrong with a request's JSON
        kind = "body_json"
    if kind == "actual_range" and details.get("rate"):
        kind = "actual_range_rate"
    if kind in ("area_too_large", "length_too_long"):
        details = {**details, "got": round(float(details["got"]), 1)}
    template = KIND_TEXTS.get(kind or "") or POLICY_TEXTS.get(kind or "")
    if template is not None:
        try:
            return template.format(**shown_details(details))
        except (KeyError, IndexError, ValueError):
            logger.warning("message for %s lacks details: %s", kind, sorted(details))
    if _CJK.search(english):
        return english
    if kind:
        logger.warning("no Chinese message for problem kind %r", kind)
    return FALLBACK_TEXT


def labelled(field: str | None, text: str) -> str:
    """``text`` after the field's label (``累计完成值：…``)."""
    return f"{field_label(field)}：{text}" if field else text


def parameter_message(exc: InvalidParameter) -> str:
    """A bad parameter or option in Chinese, each field with its label (every one when several are wrong)."""
    problems = exc.details.get("problems") if getattr(exc, "kind", None) == "several" else None
    if problems:
        return "；".join(parameter_message(p) for p in problems)
    english = str(exc).removeprefix(f"{exc.field}: ")
    return labelled(exc.field, kind_text(getattr(exc, "kind", None), getattr(exc, "details", {}), english=english,
                                         field=exc.field))


def problem_dicts(problems: Sequence[object], *, english: bool = False) -> list[dict[str, object]]:
    """Validation problems as ``{"field", "label", "message"}`` (plus ``item_id``, ``kind`` when known); the
    message Chinese unless ``english``."""
    out = []
    for problem in problems:
        field = getattr(problem, "field", None)
        message_en = getattr(problem, "message", str(problem))
        kind = getattr(problem, "kind", None) or getattr(problem, "code", None)
        message = message_en if english else kind_text(kind, getattr(problem, "details", {}), english=message_en,
                                                       field=field)
        out.append({"field": field, "label": field_label(field), "message": message,
                    **({"kind": kind} if kind else {}),
                    **({"item_id": problem.feature_id} if getattr(problem, "feature_id", None) else {})})
    return out


def problems_message(problems: Sequence[Mapping[str, object]], *, english: bool = False) -> str:
    """One line for several problems: ``label：message；…`` (English: ``field: message; …``)."""
    if english:
        return "; ".join(f"{p['field']}: {p['message']}" if p["field"] else str(p["message"]) for p in problems)
    return "；".join(labelled(p["field"], str(p["message"])) if p["field"] else str(p["message"]) for p in problems)


def conflict_versions(exc: EditConflict) -> str:
    """Which version an edit was based on and which one came first (for a page that says the rest)."""
    now = f"现为第 {exc.actual} 版" if exc.actual is not None else "期间已被修改"
    return f"本次修改基于第 {exc.expected} 版，{now}"


def conflict_message(exc: EditConflict) -> str:
    """Someone else's edit came first, in Chinese."""
    return f"{exc.item_id} 已被他人修改：{conflict_versions(exc)}。请刷新后重新提交。"


def unknown_item_message(exc: UnknownItem) -> str:
    """An unknown id, in Chinese."""
    item_id = getattr(exc, "item_id", None)
    return f"找不到编号为「{item_id}」的条目，请核对编号。" if item_id else HTTP_TEXTS[404]


def database_message(*, not_writable: bool) -> str:
    """The status database cannot be used: nothing was saved."""
    if not_writable:
        return "状态数据库当前只能读取、不能写入（只读或磁盘已满），本次操作未保存。请联系系统管理员。"
    return "状态数据库暂时无法使用，本次操作未保存。请联系系统管理员。"


def http_message(status: int) -> str:
    """The Chinese sentence for an HTTP error status (413: with the app's body limit)."""
    limit = (request.max_content_length if has_request_context()
             else current_app.config.get("MAX_CONTENT_LENGTH") if has_app_context() else None)
    if status == 413 and limit:
        return f"提交的内容过大（上限 {limit:,} 字节），请缩小几何图形、减少顶点后重试。"
    return HTTP_TEXTS.get(status, HTTP_TEXTS[400] if 400 <= status < 500 else HTTP_TEXTS[500])


def choose(chinese: str, english: str) -> str:
    """``english`` when the client asked for English, else ``chinese`` (for JSON answers)."""
    return english if english_requested() else chinese
