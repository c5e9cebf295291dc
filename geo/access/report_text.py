"""The accessibility report (:mod:`geo.access.report`) as readable Chinese/English text for the command line."""
from __future__ import annotations

from geo.access.report import DIRECTION_ZH, OUTSIDE_NETWORK, OUTSIDE_NETWORK_EN, OUTSIDE_NETWORK_ZH, SOURCE_ZH


def summary_text(report: dict) -> str:
    """A readable Chinese/English summary of a report (single scenario or compare) for the command line."""
    net, params = report["network"], report["params"]
    lines = [f"路网 Network: {net['label']} ({net['source']}) — {net['nodes']} nodes, {net['edges']} edges"
             + (f"; {net['attribution']}" if net.get("attribution") else ""),
             f"情景 Scenario: {params['scenario']}, 拥堵系数 congestion ×{params['congestion']:g} "
             "(speed factor 速度系数: 1 = free flow 畅行, ≈0.6 = peak hour 高峰)",
             "阈值 Thresholds: " + "; ".join(f"{t['name']} {t['value']:g} {t['unit']} ({SOURCE_ZH[t['source']]} "
                                            f"{t['source']})" for t in params["thresholds"])]
    if "open_to_traffic" in report:  # added by the caller that read the status (web app, CLI)
        opened = report["open_to_traffic"]
        lines.append(f"已通车项目 Open to traffic as of {opened['as_of']}: " + (", ".join(
            f"{p['id']} {p['name']} ({p['basis']} {p['since']})" for p in opened["projects"]) or "none 无"))
    if params["scenario"] == "compare":
        for name in ("baseline", "planned"):
            lines += [f"\n== {name} ==", *_scenario_lines(_pick(report, name), params)]
        lines.append("\n道路项目单独贡献 Each road project's own effect (share of corridor area within "
                     f"{params['threshold_min']:g} min gained):")
        for p in report["projects"]:
            how = f"{p['match']['method']}: {p['match']['note']}"
            gain = f"未在路网中找到 not found on the network ({how})" if not p["in_network"] else \
                f"{p['area_within_gain']:+.2%} ({p['match']['method']})"
            lines.append(f"  {p['rank'] or '-':>2} {p['id']} {p['name']}: {gain}")
        lines.append(f"\n结论 Verdict: {report['verdict']['zh']}\n{report['verdict']['en']}")
        return "\n".join(lines)
    lines += _scenario_lines(report, params)
    lines.append(f"\n结论 Verdict: {report['verdict']['zh']}\n{report['verdict']['en']}")
    return "\n".join(lines)


def _pick(report: dict, name: str) -> dict:
    return {"coverage": report["coverage"][name], "districts": [d[name] for d in report["districts"]],
            "blocks": [b[name] for b in report["blocks"]], "ring_loop": report["ring_loop"][name]}


def _format_shares(within: dict) -> str:
    return "  ".join(f"≤{k} min {v:.1%}" if v is not None else f"≤{k} min -" for k, v in within.items())


def _scenario_lines(report: dict, params: dict) -> list[str]:
    key = f"{params['threshold_min']:g}"
    cov = report["coverage"]
    lines = [f"入环覆盖 Coverage (served area {cov['served_area_km2']:.1f} of {cov['area_km2']:.1f} km²): "
             f"{_format_shares(cov['served_area_within'])}",
             f"  道路长度 road length (roads with roadside access 可从路侧进出的道路): "
             f"{_format_shares(cov['road_within'])}",
             f"  无道路服务 Unserved (no road with roadside access within {params['max_cell_distance_m']:g} m): "
             f"{cov['unserved_area_km2']:.1f} km²" + ("" if cov["unserved_area_share"] is None else
                                                     f" = {cov['unserved_area_share']:.1%} of the corridor 走廊"),
             "分区 Districts (served area within " + key + " min):"]
    for d in report["districts"]:
        share = d["served_area_within"][key]
        lines.append(f"  {d['name']}: {'-' if share is None else f'{share:.1%}'}"
                     f" {'✓' if d['pass'] else '✗' if d['pass'] is not None else ''}")
    lines.append("重点区块 Blocks (worst / median min):")
    for b in report["blocks"]:
        if b["status"] == OUTSIDE_NETWORK:
            far = "" if b["nearest_node_m"] is None else f" (nearest node 最近节点 {b['nearest_node_m'] / 1000:.1f} km)"
            worst = f"{OUTSIDE_NETWORK_ZH} {OUTSIDE_NETWORK_EN}{far}"
        elif b["worst_min"] is None:
            worst = "不可达 unreachable"
        else:
            worst = f"{b['worst_min']:.1f} / {b['median_min']:.1f}"
        lines.append(f"  {b['id']} {b['name']}: {worst} {'✓' if b['pass'] else '✗'}")
    loop = report["ring_loop"]
    if not loop["complete"]:
        missing = ", ".join(f"{s['name']} ({s['id']})" for s in loop["missing_segments"]) or "ring not closed"
        lines.append(f"环线 Ring loop: 不连通 broken — missing {missing}")
    for name, d in loop["directions"].items():
        if d["complete"]:
            slow = d["slowest_segment"]
            lines.append(f"环线 Ring loop {DIRECTION_ZH[name]} {name}: {d['time_min']:.1f} min "
                         f"{'✓' if d['pass'] else '✗'} (slowest 最慢: {slow['name']} {slow['speed_kph']} km/h)")
    return lines
