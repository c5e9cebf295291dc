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
ROAD_CATEGORIES: tuple[str, ...] = ("road_complete_2021", "road_continuing", "transit", "ring")
TASK_KINDS: tuple[str, ...] = ("block", "ring_road")
AREA_KINDS: tuple[str, ...] = ("district", "functional_zone", "corridor")

# Attachment 2 section 一: 13 blocks by district.
PLAN_BLOCKS_BY_DISTRICT: dict[str, int] = {
    "鹿城区": 1, "龙湾区": 3, "瓯海区": 3, "乐清市": 2, "瑞安市": 2, "浙南产业集聚区": 1, "瓯江口产业集聚区": 1,
}
# Attachment 2 section 二 as encoded (docs/data-model.md): 7 roads to finish, 8 named continuing roads, 2 transit items.
PLAN_TRANSPORT_TOTAL = 17
PLAN_CONTINUING_ROADS_STATED = 10
ENCODED_TRANSPORT_BY_CATEGORY: dict[str, int] = {"road_complete_2021": 7, "road_continuing": 8, "transit": 2}
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
SOURCE = Field((str,), choices=GEOMETRY_SOURCES)
PLAN_DISTRICT = Field((str,), choices=PLAN_DISTRICTS)


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
            "lead_unit": TEXT, "responsible_unit": TEXT, "geometry_source": SOURCE,
            "anchor": OPTIONAL_TEXT, "anchor_shift_m": Field((int, float), nullable=True),
        },
        POLYGONAL,
        optional_fields=frozenset({"anchor", "anchor_shift_m"}),
    ),
    "roads": LayerSpec(
        "roads", "roads.geojson",
        {
            "id": Field((str,), pattern=r"R\d{2}|RING-[A-Z]+"), "name": TEXT,
            "category": Field((str,), choices=ROAD_CATEGORIES), "target_2021": TEXT, "lead_unit": TEXT,
            "responsible_unit": TEXT, "geometry_source": SOURCE,
            "project_id": Field((str,), nullable=True, pattern=r"R\d{2}"), "components": OPTIONAL_TEXT,
            "osm_names": OPTIONAL_TEXT, "matched_length_m": Field((int, float), nullable=True),
            "match_note": OPTIONAL_TEXT,
        },
        LINEAR + ("Point", "MultiPoint"),
        optional_fields=frozenset({"components", "osm_names", "matched_length_m", "match_note"}),
    ),
    "tasks": LayerSpec(
        "tasks", "tasks.geojson",
        {
            "id": Field((str,), pattern=r"E\d{2}"), "name": TEXT, "kind": Field((str,), choices=TASK_KINDS),
            "district": PLAN_DISTRICT, "block_id": Field((str,), nullable=True, pattern=r"B\d{2}"),
            "road_name": OPTIONAL_TEXT, "target_2021": TEXT, "lead_unit": TEXT, "responsible_unit": TEXT,
            "geometry_source": SOURCE,
        },
        POLYGONAL + LINEAR,
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
