"""What the plan says: the layers' property schemas and the plan's own counts.

Every number here is transcribed from the plan (``docs/2021-implementation-plan.txt``); the comments say where.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

WGS84 = "EPSG:4326"
METRIC_CRS = "EPSG:32651"  # UTM zone 51N: lengths and areas

# Attachment 2 section 一, the 地区 column, in the plan's order.
PLAN_DISTRICTS: tuple[str, ...] = (
    "鹿城区", "龙湾区", "瓯海区", "乐清市", "瑞安市", "浙南产业集聚区", "瓯江口产业集聚区",
)
TIERS: tuple[str, ...] = ("示范区块", "标准区块", "储备潜力区块")
# Item 9: 全年创建示范区块4个、标准区块6个、储备潜力区块3个.
PLAN_TIER_COUNTS: dict[str, int] = {"示范区块": 4, "标准区块": 6, "储备潜力区块": 3}
GEOMETRY_SOURCES: tuple[str, ...] = ("approximate", "provisional", "surveyed", "osm-matched")
# Where a value comes from (docs/data-model.md, "Provenance"): the plan's words, derived from them, or the project's.
PLAN, DERIVED, PROJECT = "plan", "derived", "project"
PROVENANCE_KINDS: tuple[str, ...] = (PLAN, DERIVED, PROJECT)
ROAD_CATEGORIES: tuple[str, ...] = ("road_complete_2021", "road_continuing", "transit", "ring")
TASK_KINDS: tuple[str, ...] = ("block", "ring_road")
AREA_KINDS: tuple[str, ...] = ("district", "functional_zone", "corridor")

# Attachment 2 section 一: 13 blocks by district.
PLAN_BLOCKS_BY_DISTRICT: dict[str, int] = {
    "鹿城区": 1, "龙湾区": 3, "瓯海区": 3, "乐清市": 2, "瑞安市": 2, "浙南产业集聚区": 1, "瓯江口产业集聚区": 1,
}


@dataclass(frozen=True)
class PlanStatement:
    """A figure as the plan states it: the number (``None`` for a row that states several), the plan's words
    verbatim and the line of ``docs/2021-implementation-plan.txt`` they are on."""

    figure: int | None
    quote: str
    line: int


# Attachment 2 section 二 as the plan states it. The heading's 17项 is 道路建成7条 + 续建10条 (Attachment 3 row 4,
# lines 241–243): it counts roads only. The continuing row states 10 roads and names 8 of them.
PLAN_TRANSPORT_TOTAL = PlanStatement(17, "交通路网建设（17项）", 213)
PLAN_TRANSPORT_TOTAL_PARTS = PlanStatement(17, "完成道路建成7条、续建10条", 241)
PLAN_ROAD_ROWS: dict[str, PlanStatement] = {
    "road_complete_2021": PlanStatement(7, "环山路二期等7条", 215),
    "road_continuing": PlanStatement(10, "市域铁路S2线一期等10条", 216),
}
PLAN_TRANSIT_ROW = PlanStatement(
    None, "公交首末站建成 3 个、重点区块公交衔接新辟优化公交线路 7 条、公交枢纽建成 1 个、公交枢纽前期 1 个", 218)
# The roads each row names, in the plan's order: how many the plan names is counted from these lists, so a road
# the plan states but does not name can be added, when it is known, without changing any figure.
PLAN_NAMED_ROADS: dict[str, tuple[str, ...]] = {
    "road_complete_2021": ("瓯江北口大桥及连接线", "温州大道东延", "雁荡中路", "黄屿大道东延", "永中西路", "环山东路南延",
                           "环山路二期"),
    "road_continuing": ("金丽温高速东延线", "温瑞大道南段快速路一期工程", "通海大道", "环山东路南延（瑞安段）", "环山南路",
                        "新川大道", "G330国道仙岩至丽岙段", "市域铁路S2线一期"),
}
# Attachment 2 section 三: 13 block tasks and 63 ring-road tasks, by district.
PLAN_RING_ROAD_TASKS_BY_DISTRICT: dict[str, int] = {
    "鹿城区": 4, "龙湾区": 10, "瓯海区": 11, "乐清市": 11, "瑞安市": 9, "浙南产业集聚区": 10, "瓯江口产业集聚区": 8,
}
PLAN_TASK_TOTAL = 76


@dataclass(frozen=True)
class Field:
    """One property of a layer: its JSON types, whether null is allowed, and the allowed values if closed."""

    types: tuple[type, ...]
    nullable: bool = False
    choices: tuple | None = None
    pattern: str | None = None

    def check(self, value: object) -> str | None:
        """Return what is wrong with ``value``, or ``None`` when it is acceptable."""
        if value is None:
            return None if self.nullable else "must not be null"
        if isinstance(value, bool) and bool not in self.types:
            return f"expected {self._type_names()}, got a boolean ({value!r})"
        if not isinstance(value, self.types):
            return f"expected {self._type_names()}, got {type(value).__name__} ({value!r})"
        if self.choices is not None and value not in self.choices:
            return f"expected one of {', '.join(map(str, self.choices))}; got {value!r}"
        if self.pattern is not None and not re.fullmatch(self.pattern, str(value)):
            return f"expected text matching {self.pattern}; got {value!r}"
        if isinstance(value, str) and not value.strip():
            return "must not be empty text"
        return None

    def _type_names(self) -> str:
        names = {str: "text", bool: "true/false", int: "an integer", float: "a number"}
        return " or ".join(names.get(t, t.__name__) for t in self.types) + (" or null" if self.nullable else "")


TEXT = Field((str,))
OPTIONAL_TEXT = Field((str,), nullable=True)
LINE = Field((int,), nullable=True)  # a line of the plan text
SOURCE = Field((str,), choices=GEOMETRY_SOURCES)
PLAN_DISTRICT = Field((str,), choices=PLAN_DISTRICTS)
# A road's name is the plan's unless ``name_source`` says otherwise (missing or null means "plan", and is checked as
# such; null because a frame gives every optional field a value).
NAME_SOURCE = Field((str,), nullable=True, choices=PROVENANCE_KINDS)
# The 2021 target: the plan's words verbatim and the line they are on, or both null where the plan states none.
PLAN_TARGET: dict[str, Field] = {"target_2021": OPTIONAL_TEXT, "target_2021_line": LINE}
# ``responsible_unit`` is the plan's text; a refinement derived from it (e.g. the district's government) and how it
# was derived go here, never into the plan's field.
DERIVED_UNITS: dict[str, Field] = {"responsible_unit_derived": OPTIONAL_TEXT, "responsible_unit_basis": OPTIONAL_TEXT}


@dataclass(frozen=True)
class LayerSpec:
    """The schema of one data layer."""

    name: str
    filename: str
    fields: dict[str, Field]
    geometry_types: tuple[str, ...]
    optional_fields: frozenset[str] = field(default_factory=frozenset)


POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")

LAYERS: dict[str, LayerSpec] = {
    "districts": LayerSpec(
        "districts", "districts.geojson",
        {
            "id": Field((str,), pattern=r"D\d{2}|CORRIDOR"), "name": TEXT,
            "kind": Field((str,), choices=AREA_KINDS), "adcode": Field((int,), nullable=True),
            "geometry_source": SOURCE, "source": TEXT,
        },
        POLYGONAL,
    ),
    "blocks": LayerSpec(
        "blocks", "blocks.geojson",
        {
            "id": Field((str,), pattern=r"B\d{2}"), "name": TEXT, "name_en": TEXT, "district": PLAN_DISTRICT,
            "tier": Field((str,), nullable=True, choices=TIERS), "new_in_2021": Field((bool,)),
            "lead_unit": TEXT, "responsible_unit": TEXT, **DERIVED_UNITS, "geometry_source": SOURCE,
            "anchor": OPTIONAL_TEXT, "anchor_shift_m": Field((int, float), nullable=True),
        },
        POLYGONAL,
        optional_fields=frozenset({"anchor", "anchor_shift_m", *DERIVED_UNITS}),
    ),
    "roads": LayerSpec(
        "roads", "roads.geojson",
        {
            "id": Field((str,), pattern=r"R\d{2}|RING-[A-Z]+"), "name": TEXT, "name_source": NAME_SOURCE,
            "category": Field((str,), choices=ROAD_CATEGORIES), **PLAN_TARGET, "lead_unit": TEXT,
            "responsible_unit": TEXT, **DERIVED_UNITS, "geometry_source": SOURCE,
            "project_id": Field((str,), nullable=True, pattern=r"R\d{2}"), "components": OPTIONAL_TEXT,
            "osm_names": OPTIONAL_TEXT, "matched_length_m": Field((int, float), nullable=True),
            "match_note": OPTIONAL_TEXT,
        },
        LINEAR + ("Point", "MultiPoint"),
        optional_fields=frozenset({"name_source", "target_2021_line", *DERIVED_UNITS, "components", "osm_names",
                                   "matched_length_m", "match_note"}),
    ),
    "tasks": LayerSpec(
        "tasks", "tasks.geojson",
        {
            "id": Field((str,), pattern=r"E\d{2}"), "name": TEXT, "kind": Field((str,), choices=TASK_KINDS),
            "district": PLAN_DISTRICT, "block_id": Field((str,), nullable=True, pattern=r"B\d{2}"),
            "road_name": OPTIONAL_TEXT, **PLAN_TARGET, "lead_unit": TEXT, "responsible_unit": TEXT,
            **DERIVED_UNITS, "geometry_source": SOURCE,
        },
        POLYGONAL + LINEAR,
        optional_fields=frozenset({"target_2021_line", *DERIVED_UNITS}),
    ),
}

# Named places of the OpenStreetMap extract: a reference layer for `corridor validate`, not part of the plan.
# `place` is OSM's open-ended place=* value (town, suburb, village, ...), so any text is accepted.
PLACES_LAYER = LayerSpec(
    "places", "osm-places.geojson", {"id": Field((str,), pattern=r"P\d{3}"), "name": TEXT, "place": TEXT},
    ("Point",),
)

# Geometry types allowed per category or kind, narrower than the layer's list.
ROAD_GEOMETRY_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "road_complete_2021": LINEAR, "road_continuing": LINEAR, "ring": LINEAR,
    "transit": LINEAR + ("Point", "MultiPoint"),
}
TASK_GEOMETRY_BY_KIND: dict[str, tuple[str, ...]] = {"block": POLYGONAL, "ring_road": LINEAR}
