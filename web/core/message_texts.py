"""The Chinese wording of the web layer's error messages: field labels and one sentence per problem kind.

Each sentence is a :meth:`str.format` template over the problem's details as :func:`web.core.messages.shown_details`
formats them (``got`` already in 「」). Kinds are the stable codes that :mod:`geo` gives its problems
(:class:`geo.plan.validate.Problem` ``kind``, :class:`geo.errors.InvalidParameter` ``kind``) and the web layer gives its own.
"""
from __future__ import annotations

from geo.accounts.credentials import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS
from web.infra.json_body import MAX_DEPTH
from web.core.labels import FIELD_LABELS as PROPERTY_LABELS
from web.core.status import STATUS_COLORS

# Form fields, query parameters and JSON members, as the page's own labels name them.
FIELD_LABELS: dict[str, str] = {
    **PROPERTY_LABELS,
    "percent": "完成进度（%）", "state": "状态", "note": "说明", "reported_on": "上报日期", "reporter": "上报人",
    "checkin_id": "签到记录",
    "reported_colour": "自评颜色", "effective_on": "生效日期", "actor": "操作人", "closed": "销号状态",
    "period_start": "计划开始日期", "period_end": "计划结束日期", "milestones": "节点目标",
    "geometry": "几何图形", "crs": "坐标参考系", "park": "园区", "quarter": "季度", "value": "累计完成值",
    "target_id": "目标", "target": "目标", "expected_version": "版本号", "body": "请求内容",
    "congestion": "拥堵系数", "scenario": "路网情景", "sites": "观摩点位", "site": "观摩点位", "start": "起点",
    "end": "终点", "depart": "出发时间", "dwell": "每点停留（分钟）", "dwell_at": "单点停留",
    "dwell_by_site": "单点停留", "lunch": "午餐时段", "lunch_minutes": "午餐时长（分钟）", "budget": "时间预算（分钟）",
    "query": "点位筛选", "layers": "图层", "status": "状态颜色", "colour": "状态颜色", "unit": "牵头单位",
    "focus": "定位条目", "format": "导出格式", "table": "导出表格", "password": "密码", "current_password": "当前密码",
    "confirm": "再次输入新密码", "role": "角色", "active": "账号状态", "next": "登录后前往的页面",
    "threshold_min": "入环时间阈值（分钟）", "coverage_target": "覆盖率目标",
    "layer": "导出图层",
    "limit": "每页条数", "offset": "起始位置", "bbox-crs": "范围框坐标参考系", "f": "返回格式",
    "bbox": "范围", "geometries": "待合并的面", "approximate": "仅显示近似位置",
    "file": "文件", "file_layer": "文件图层", "key_field": "编号字段", "match": "匹配方式", "coordinates": "坐标系",
    "epsg": "EPSG 代码", "versions": "版本号", "as_of": "截至日期",
    "title": "路线名称", "tour_date": "巡查日期",
    "client_id": "记录编号", "site_id": "点位", "checked_in_at": "签到时间", "lat": "纬度", "lon": "经度",
    "accuracy_m": "定位精度（米）", "progress_estimate": "进度估计（%）", "checkin_client_id": "所属签到编号",
    "exif_lat": "照片纬度", "exif_lon": "照片经度", "taken_at": "拍摄时间",
}

GEOMETRY_TYPE_LABELS: dict[str, str] = {
    "Point": "点", "MultiPoint": "多点", "LineString": "线", "MultiLineString": "多段线", "Polygon": "面",
    "MultiPolygon": "多面", "GeometryCollection": "几何集合",
}
UNIT_LABELS: dict[str, str] = {"min": "分钟", "km/h": "公里/小时", "minutes": "分钟"}
CHOICE_LABELS: dict[str, str] = {
    "planned": "规划路网", "baseline": "现状路网", "compare": "现状与规划对比", "current": "现状+已通车项目",
    **{key: label for key, (label, _) in STATUS_COLORS.items()}, "total": "合计", "html": "网页",
}

KIND_TEXTS: dict[str, str] = {
    # dates and text (geo.status.edits, geo.status.target_records)
    "date_format": "应为 YYYY-MM-DD 格式的日期（如 2021-06-30），收到{got}",
    "date_after_today": "不能晚于今天（{today}），收到{got}",
    "date_before_plan": "不能早于规划年度第一天（{earliest}），收到{got}",
    "date_before_quarter": "{quarter} 的完成值不能早于该季度第一天（{start}），收到{got}",
    "as_of_scenario": "仅在路网情景为「现状+已通车项目」（current）时可指定截至日期，收到情景{got}",
    "text_expected": "应为文字",
    "required": "不能为空",
    "too_long": "最多 {limit} 个字符，当前 {got} 个，请删减",
    "control_characters": "含有控制字符；只允许可打印的文字、制表符和换行",
    # progress, check-off, periods
    "percent_range": "应为 0 到 100 之间的数字（百分比），收到{got}",
    "percent_for_state": "状态为「{state}」时应为 {needed}，收到 {got}",
    "choice": "应为以下之一：{choices}；收到{got}",
    "already_closed": "该条目已销号，请先重新打开",
    "not_closed": "该条目尚未销号，无法重新打开",
    "period_order": "应晚于计划开始日期（{start}），收到{got}",
    "milestone_outside": "应在计划期 {start} 至 {end} 之间（不含首尾两天），收到{got}",
    "milestone_duplicate": "{day} 有两个节点目标，同一日期只能保留一个",
    "milestone_decrease": "进度不能倒退：{earlier_on} 为 {earlier}%，{later_on} 却为 {later}%",
    # geometry (geo.status.edits, geo.plan.validate, geo.plan.layers)
    "geojson_unreadable": "无法读取为 GeoJSON，请检查文件内容",
    "geojson_structure": "GeoJSON 几何结构不符合规范（RFC 7946）：请检查坐标的层级、数值以及面的首尾闭合",
    "crs_not_wgs84": "坐标应为 WGS-84 经纬度（EPSG:4326）；请转换坐标并删除 crs 成员",
    "one_feature": "要素集合中应只有一个要素，即该条目的新几何图形",
    "geometry_missing": "缺少几何图形",
    "geometry_empty": "几何图形为空",
    "geometry_type": "应为{expected}，收到{got}",
    "coordinates_range": "坐标超出经纬度范围（经度 −180～180，纬度 −90～90）；文件是否为投影坐标，或纬度写在了经度前面？",
    "geometry_invalid": "几何图形无效（例如边线自相交），请修正后再保存",
    "outside_district": "超出所属地区「{district}」最远 {distance_m} 米（允许误差 {tolerance_m} 米）；请移到区内或更正所属地区",
    "ring_not_closed": "环线必须闭合：路段 {segment} 的终点应恰好接上另一路段的起点，现在接上 {found} 段",
    "too_many_vertices": "最多 {limit} 个顶点，当前 {got} 个，请简化",
    "area_too_large": "面积最多 {limit} 平方公里，当前 {got} 平方公里",
    "length_too_long": "长度最多 {limit} 公里，当前 {got} 公里",
    # park targets (geo.status.target_records)
    "park_zone_wide": "{target} 是全区一个数值，园区请选「合计」",
    "park_total": "{target} 的合计由各园区的完成值汇总得出，不能直接上报；请分园区上报（{choices}）",
    "park_not_applicable": "规划未对 {park} 设定 {target}（该格为“不适用”）；请选择 {choices} 之一",
    "quarter_of_year": "应为规划年度的季度（{choices}），收到{got}",
    "quarter_not_begun": "{quarter} 尚未开始（{start} 开始，今天是 {today}）；请选择已经开始的季度",
    "quarter_format": "应为 2000 至 2100 年间的季度，用半角数字写作 2021Q2，收到{got}",
    "actual_range": "应为年初至今的累计值（单位：{unit}），取值 {low} 到 {high}，收到{got}",
    "actual_range_rate": "应为年初至今的增长率（%，可为负），取值 {low} 到 {high}，收到{got}",
    # plausibility (geo.status.plausibility): refused, then unusual (asked to confirm), then the confirm flag itself
    "not_whole_number": "按“{unit}”计数，应为整数，收到{got}",
    "ytd_below_earlier": "累计值不能减少：{earlier_quarter} 已报 {earlier} {unit}，{quarter} 却收到{got}；"
                         "如 {earlier_quarter} 有误，请先更正该季度",
    "ytd_above_later": "累计值不能减少：{later_quarter} 已报 {later} {unit}，{quarter} 不能更多，收到{got}；"
                       "如 {later_quarter} 有误，请先更正该季度",
    "far_above_target": "收到{got}，超过全年目标（{target} {unit}）的 {factor} 倍，请核对是否填错",
    "quarter_jump": "{quarter} 比上季度的 {earlier} {unit} 增加了 {increase} {unit}，超过全年目标（{target} {unit}）"
                    "的 {factor} 倍，请核对是否填错",
    "progress_decrease": "本次进度{got}低于 {earlier_on} 上报的 {earlier}%，进度回落，是否为更正？",
    "close_unreported": "该条目尚无任何进展上报",
    "close_unfinished": "最近一次上报（{reported_on}）为「{state}」、完成 {percent}%，尚未达到「已完成」",
    "confirm_flag": "应为“是”或“否”（true / false），收到{got}",
    # geometry versions (geo.status.geometry_versions)
    "geometry_version_number": "应为要恢复的几何版本号（整数，0 为规划基线），收到{got}",
    "geometry_version_current": "第{got}版已是当前几何，请选择更早的版本",
    "geometry_version_unknown": "该条目没有第{got}版几何；可选版本：{choices}",
    "geometry_version_missing": "该条目没有第{got}版几何（第 0 版为规划基线）",
    # importing survey files (geo.exchange.survey_files, geo.exchange.import_coordinates, geo.exchange.geometry_import, web.editing.geometry_import)
    "import_no_file": "请选择要上传的文件",
    "import_format": "支持的文件类型为 {choices}，收到{got}",
    "import_empty_file": "文件{got}是空的",
    "import_encoding": "文件{got}不是 UTF-8 编码；请另存为 UTF-8（如 Excel 的“CSV UTF-8”）",
    "import_content": "文件{got}的内容不是 {format}，是否改过扩展名？",
    "import_zip_size": "压缩包{got}解压后超过 {limit} 字节",
    "import_zip_member": "压缩包{got}中没有 {wanted} 文件；请把 Shapefile 的 .shp、.shx、.dbf、.prj、.cpg 一起压缩",
    "import_unreadable": "GDAL 无法读取该文件：{reason}",
    "import_layer_unknown": "文件中没有图层{got}；可选图层：{choices}",
    "import_layer_empty": "图层「{layer}」中没有要素",
    "import_too_many_features": "一次最多导入 {limit} 个要素，该图层有 {got} 个；请拆分文件",
    "import_no_geometry_column": "图层「{layer}」没有几何字段；请连同几何一起导出",
    "import_field_unknown": "图层中没有字段{got}；可选字段：{choices}",
    "import_epsg": "应为 EPSG 代码（如 4549），收到{got}",
    "import_epsg_unknown": "PROJ 不认识 EPSG 代码{got}；请核对（如 CGCS2000 3 度带中央经线 120°E 为 4549）",
    "import_crs_missing": "文件没有坐标参考系（如 Shapefile 缺少 .prj、CSV、DXF）；请在“坐标系”中选择文件坐标所用的坐标系",
    "import_crs_conflict": "文件声明的坐标系为 {file_crs}，但选择了 {stated}；请选择“文件自带”或更正文件",
    "import_key_missing": "该要素的编号字段为空，无法对应到条目",
    "import_unknown_id": "没有编号为{got}的区块、道路或任务",
    "import_unknown_name": "没有名称为{got}的区块、道路或任务；请核对名称或改用编号匹配",
    "import_name_ambiguous": "名称{got}对应多个条目（{choices}），请改用编号匹配",
    "import_duplicate_item": "文件中有 {count} 个要素都对应 {got}，请只保留一个",
    "import_outside_wenzhou": "距规划范围 {distance_km} 公里，在温州以外；请检查坐标系（如 GCJ-02、投影坐标或经纬度颠倒）",
    "import_versions": "应为预览时各条目的版本号（JSON 对象）；请重新预览",
    "import_version_missing": "缺少{got}在预览时的版本号；请重新预览",
    # numbers, times, parameters
    "number_expected": "应为数字，收到{got}",
    "number_range": "应为 {low} 到 {high} {unit}之间的数字，收到{got}",
    "positive_number": "应为大于 0 的数（{unit}），收到{got}",
    "congestion": "应为大于 0、不超过 {high} 的车速系数（1 为畅通，高峰约 0.6），收到{got}",
    "time_of_day": "应为 HH:MM 格式的时刻（如 08:30），收到{got}",
    "time_window": "应为 HH:MM-HH:MM 格式的时段（如 12:00-13:00），收到{got}",
    "time_window_order": "时段的结束应晚于开始，收到{got}",
    "version": "应为读取该条目时的版本号（不小于 0 的整数），收到{got}",
    "unknown_parameter": "不是本页的参数；可用参数：{allowed}",
    "no_parameters": "该图层不接受任何参数",
    "body_json": "请求内容应为 JSON 对象（Content-Type: application/json）",
    "body_content_type": "请求内容应以 JSON 发送（Content-Type: application/json）",
    "body_encoding": "请求内容应为 UTF-8 编码的 JSON",
    "body_too_deep": f"请求内容的 JSON 嵌套层数过多（数组与对象最多嵌套 {MAX_DEPTH} 层）",
    "body_not_json": "请求内容不是有效的 JSON",
    "focus_unknown": "应为区块、道路或任务的编号（如 B01、R05、E14），收到{got}",
    "page_scenario": "本页只显示 {choices}，收到{got}（两种情景的对比见 /api/access?scenario=compare）",
    # tours (geo.tours.planner, geo.tours.sites, web.tours.planner)
    "sites_empty": "请至少选择一个观摩点位",
    "unknown_place": "应为点位编号（如 B01、R03、E14）或参考地点名称，收到{got}",
    "unknown_id": "没有编号为{got}的点位；编号形如 B01–B13、R01–R17、E01–E76",
    "query_empty": "没有符合筛选条件的点位，请放宽条件",
    "dwell_stray": "{ids} 不在观摩点位中；请删除这些单点停留，或把它们加入观摩点位",
    "place_unreachable": "「{name}」无法经路网到达（距路网过远或与主路网不连通），请另选",
    "sites_unreachable": "所选点位都无法经路网到达：{names}",
    "too_many_stops": "每条路线最多 {limit} 个点位，现在可到达的有 {got} 个；请按地区拆分路线",
    "list_expected": "应为点位编号的列表，如 [\"B01\", \"R03\"]，收到{got}",
    "object_expected": "应为 JSON 对象，收到{got}",
    # field check-ins and photos (geo.field.submissions, geo.field.photo_cleaning)
    "client_id": "应为设备生成的编号（1–64 个英文字母、数字、- 或 _，如 UUID），收到{got}",
    "not_a_stop": "应为本路线的点位之一（{choices}），收到{got}",
    "moment_format": "应为带时区的 ISO 8601 时间（如 2021-06-30T09:15:00+08:00），收到{got}",
    "position_pair": "纬度和经度须同时提供或同时省略",
    "photo_bytes": "照片不能超过 {limit}，收到 {got} 字节；请压缩或缩小后重新上传",
    "photo_pixels": "照片不能超过 {limit} 像素，收到{got}；请缩小后重新上传",
    "photo_type": "应为 JPEG、PNG 或 WebP 格式的照片（按文件内容判断），收到{got}",
    "photo_not_image": "不是可读取的 JPEG、PNG 或 WebP 图片（按文件内容判断，与文件名无关）",
    # OGC API – Features (web.gis.params)
    "limit_value": "应为不小于 {low} 的整数（超过 {high} 时按 {high} 返回），收到{got}",
    "offset_value": "应为不小于 {low} 的整数（从 0 起的位置），收到{got}",
    "bbox_value": "应为逗号分隔的 4 个数字，先写左下角：西,南,东,北（经纬度，CRS84）；bbox-crs 为 EPSG:4326 或 EPSG:4490 时为 南,西,北,东；收到{got}",
    # the item editor's snapping streets and merge (geo.network.edges, geo.plan.polygon_union)
    "bbox_format": "应为“西,南,东,北”四个经纬度数字（如 120.70,27.95,120.75,28.00），收到{got}",
    "bbox_order": "西应小于东、南应小于北，且在经纬度范围内，收到{got}",
    "bbox_size": "范围每边最多 {limit} 度，收到{got}；请缩小范围",
    "merge_parts": "合并需要 2 到 {limit} 个面",
    "merge_type": "只能合并面，收到{got}",
    "merge_coordinates": "不是可读的 GeoJSON 面坐标",
}
# A refused name, role or password, by the code of geo.accounts.credentials (and the account pages' own codes).
POLICY_TEXTS: dict[str, str] = {
    "name_invalid": "须为 1–64 个英文字母、数字、汉字或 . _ @ -，以字母、数字或汉字开头，不含空格。",
    "name_taken": "该用户名已存在（不区分大小写），请换一个。",
    "name_unknown": "没有这个用户。",
    "role_invalid": "请选择查看、编辑或管理员。",
    "password_too_short": f"至少需要 {MIN_PASSWORD_CHARS} 个字符；几个词组成的短语既长又好记。",
    "password_too_long": f"最多 {MAX_PASSWORD_CHARS} 个字符。",
    "password_blank": "不能全是空格。",
    "password_control": "不能包含控制字符（如换行、制表符）。",
    "password_common": "这是最常见的密码之一，很容易被猜中，请换一个。",
    "password_is_name": "不能与用户名相同。",
    "password_wrong": "当前密码不正确。",
    "password_mismatch": "两次输入的新密码不一致。",
    "own_admin_role": "不能取消自己的管理员角色，请由其他管理员操作。",
    "own_account": "不能停用自己的账户，请由其他管理员操作。",
    "active_invalid": "请选择启用或停用。",
}
# Said when a problem carries no known kind: still Chinese, still naming the field.
FALLBACK_TEXT = "填写的内容不符合要求，请检查后重试"

# By HTTP status: what a page or the API says for an error that is not one of the project's own.
HTTP_TEXTS: dict[int, str] = {
    400: "请求有误，请检查后重试。", 401: "请先登录。", 403: "当前账号无此权限。", 404: "找不到该页面或条目。",
    405: "不支持该请求方法。", 408: "请求超时，请重试。", 409: "该条目已被他人修改，请刷新后重试。",
    413: "提交的内容过大，请缩小后重试。", 415: "不支持该内容类型。", 429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，请稍后再试。", 503: "服务暂时无法使用，请稍后再试。",
}
