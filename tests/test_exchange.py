"""The layers as GIS files (geo/exchange/formats.py): every format read back through GDAL (pyogrio) with its Chinese names,
geometries, CRS and fields intact."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geo.errors import InvalidParameter
from geo.exchange.formats import (
    DBF_TEXT_BYTES, FORMATS, family_layers, features_frame, shapefile_field_names, write_layer,
)
from geo.plan.layers import load_plan

LONG_NOTE = "说明" * 200  # 1,200 bytes of UTF-8: more than a DBF field holds


@pytest.fixture(scope="module")
def blocks() -> gpd.GeoDataFrame:
    """The plan's 13 blocks (polygons, Chinese names) with a list property, as the API gives them."""
    frame = load_plan().blocks.copy()
    frame["districts"] = [[d, "科创走廊"] for d in frame["district"]]
    return frame


@pytest.fixture
def mixed() -> gpd.GeoDataFrame:
    """Points, a line and a multi-polygon beside a polygon, long text, nulls and an integer with a gap."""
    features = [
        {"type": "Feature", "properties": {"id": "S1", "name": "瓯海大道站", "seq": 1, "note": LONG_NOTE},
         "geometry": {"type": "Point", "coordinates": [120.70, 27.99]}},
        {"type": "Feature", "properties": {"id": "L1", "name": "第1段：温州市人民政府 → 中国眼谷", "seq": None,
                                           "responsible_unit_derived": "龙湾区政府"},
         "geometry": {"type": "LineString", "coordinates": [[120.70, 27.99], [120.75, 27.95]]}},
        {"type": "Feature", "properties": {"id": "A1", "name": "一区", "seq": 3, "flag": True},
         "geometry": shapely.geometry.mapping(shapely.box(120.6, 27.9, 120.7, 28.0))},
        {"type": "Feature", "properties": {"id": "A2", "name": "二区", "seq": 4, "flag": False},
         "geometry": shapely.geometry.mapping(shapely.MultiPolygon([shapely.box(120.8, 27.8, 120.9, 27.9),
                                                                     shapely.box(121.0, 27.8, 121.01, 27.81)]))},
    ]
    return features_frame(features)


def _written(frame: gpd.GeoDataFrame, fmt: str, tmp_path: Path, name: str = "blocks") -> Path:
    path = tmp_path / f"{name}{FORMATS[fmt].extension}"
    path.write_bytes(write_layer(frame, format=fmt, layer_name=name, field_labels={"name": "名称"}))
    return path


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_reads_back_with_chinese_names_geometries_and_crs(blocks, fmt, tmp_path) -> None:
    path = _written(blocks, fmt, tmp_path)
    back = pyogrio.read_dataframe(path)
    names = back["Name" if fmt in ("kml", "kmz") else "name"]
    assert list(names) == list(blocks["name"]) and "温州国际未来科技岛" in set(names)
    assert len(back) == 13 and set(back.geom_type) == {"Polygon"}
    distances = shapely.hausdorff_distance(back.geometry.values, blocks.geometry.values)
    assert distances.max() < 1e-6  # the same shapes (rings may be re-wound: RFC 7946, Shapefile)
    if fmt == "csv":  # a CSV cannot state its CRS: the WKT is lon/lat (docs/exchange.md)
        assert back.crs is None and back.total_bounds == pytest.approx(blocks.total_bounds, abs=1e-6)
    else:
        assert back.crs.to_epsg() == 4326
    districts = back["districts"].iloc[0]
    expected = [blocks["district"].iloc[0], "科创走廊"]
    assert (list(districts) if fmt == "geojson" else json.loads(districts)) == expected


def test_geojson_keeps_lists_and_nullable_integers(mixed, tmp_path) -> None:
    document = json.loads(_written(mixed, "geojson", tmp_path, "mixed").read_text(encoding="utf-8"))
    seqs = [f["properties"]["seq"] for f in document["features"]]
    assert seqs == [1, None, 3, 4] and all(isinstance(s, int) for s in seqs if s is not None)
    assert [f["geometry"]["type"] for f in document["features"]] == ["Point", "LineString", "Polygon", "MultiPolygon"]
    assert "crs" not in document  # RFC 7946


def test_the_shapefile_zip_has_cpg_field_table_and_one_layer_per_geometry_family(mixed, tmp_path) -> None:
    path = _written(mixed, "shp", tmp_path, "mixed")
    archive = zipfile.ZipFile(path)
    families = ("points", "lines", "polygons")
    for family in families:
        assert archive.read(f"mixed_{family}.cpg").decode() == "UTF-8"
        assert {f"mixed_{family}.{ext}" for ext in ("shp", "shx", "dbf", "prj")} <= set(archive.namelist())
    assert sorted(name for name, _ in pyogrio.list_layers(path)) == sorted(f"mixed_{f}" for f in families)
    polygons = pyogrio.read_dataframe(path, layer="mixed_polygons")
    assert list(polygons["name"]) == ["一区", "二区"] and polygons.crs.to_epsg() == 4326
    assert pyogrio.read_dataframe(path, layer="mixed_lines")["responsibl"].tolist() == ["龙湾区政府"]
    rows = list(csv.DictReader(io.StringIO(archive.read("fields.csv").decode("utf-8-sig"))))
    mapping = {(r["file"], r["property"]): r["field"] for r in rows}
    assert mapping[("mixed_lines.shp", "responsible_unit_derived")] == "responsibl"
    assert {r["label"] for r in rows if r["property"] == "name"} == {"名称"}
    assert len(rows) == 3 * (len(mixed.columns) - 1)


def test_text_longer_than_a_dbf_field_is_cut_and_kept_in_full_beside_it(mixed, tmp_path) -> None:
    path = _written(mixed, "shp", tmp_path, "mixed")
    note = pyogrio.read_dataframe(path, layer="mixed_points")["note"].iloc[0]
    assert note.endswith("…") and LONG_NOTE.startswith(note[:-1]) and len(note.encode()) <= DBF_TEXT_BYTES
    (row,) = csv.DictReader(io.StringIO(zipfile.ZipFile(path).read("long_values.csv").decode("utf-8-sig")))
    assert row == {"file": "mixed_points.shp", "row": "0", "id": "S1", "field": "note", "property": "note",
                   "full_value": LONG_NOTE}


def test_geopackage_holds_one_layer_per_family_with_multi_parts_promoted(mixed, tmp_path) -> None:
    path = _written(mixed, "gpkg", tmp_path, "mixed")
    layers = dict(pyogrio.list_layers(path))
    assert layers == {"mixed_points": "Point", "mixed_lines": "LineString", "mixed_polygons": "MultiPolygon"}
    points = pyogrio.read_dataframe(path, layer="mixed_points")
    assert points["note"].iloc[0] == LONG_NOTE  # no DBF limit here
    assert pyogrio.read_info(path, layer="mixed_polygons")["dtypes"].tolist()[1:3] == ["object", "int64"]


@pytest.mark.parametrize("fmt", ["kml", "kmz", "csv"])
def test_kml_kmz_and_csv_hold_the_mix_in_one_layer(mixed, fmt, tmp_path) -> None:
    path = _written(mixed, fmt, tmp_path, "mixed")
    back = pyogrio.read_dataframe(path)
    assert list(back.geom_type) == ["Point", "LineString", "Polygon", "MultiPolygon"]
    assert back["id"].tolist() == ["S1", "L1", "A1", "A2"]
    assert back["note"].iloc[0] == LONG_NOTE


def test_kmz_is_one_zipped_doc_kml(mixed, tmp_path) -> None:
    archive = zipfile.ZipFile(_written(mixed, "kmz", tmp_path, "mixed"))
    assert archive.namelist() == ["doc.kml"]
    text = archive.read("doc.kml").decode("utf-8")
    assert "<name>瓯海大道站</name>" in text and '<Data name="seq">' in text


def test_csv_starts_with_a_bom_and_the_wkt_column(mixed, tmp_path) -> None:
    data = _written(mixed, "csv", tmp_path, "mixed").read_bytes()
    assert data.startswith("\ufeffWKT,id,name".encode())
    assert "POINT (120.7 27.99)" in data.decode("utf-8-sig")


def test_shapefile_field_names_are_short_unique_and_deterministic() -> None:
    names = ["id", "responsible_unit", "responsible_unit_derived", "responsible_unit_basis", "Status", "status",
             "名称", "target_2021", "target_2021_line"]
    mapping = shapefile_field_names(names)
    assert mapping == {"id": "id", "responsible_unit": "responsibl", "responsible_unit_derived": "respons_01",
                       "responsible_unit_basis": "respons_02", "Status": "Status", "status": "status_01",
                       "名称": "__", "target_2021": "target_202", "target_2021_line": "target__01"}
    assert all(len(short.encode()) <= 10 for short in mapping.values())
    assert len({short.lower() for short in mapping.values()}) == len(names)
    assert shapefile_field_names(names) == mapping


def test_family_layers_keep_a_single_family_whole(blocks) -> None:
    assert [name for name, _ in family_layers(blocks, layer_name="blocks")] == ["blocks"]


def test_an_empty_frame_still_writes_its_fields(tmp_path) -> None:
    frame = features_frame([], columns=["id", "name"])
    for fmt in ("gpkg", "csv", "shp"):
        back = pyogrio.read_dataframe(_written(frame, fmt, tmp_path, "empty"))
        assert len(back) == 0 and {"id", "name"} <= set(back.columns)
    assert json.loads(_written(frame, "geojson", tmp_path, "empty").read_text())["features"] == []  # no schema


def test_bad_format_layer_name_or_crs_is_refused(blocks) -> None:
    with pytest.raises(InvalidParameter, match="format: expected one of gpkg, shp, kml, kmz, geojson, csv, got 'dxf'"):
        write_layer(blocks, format="dxf", layer_name="blocks")
    with pytest.raises(InvalidParameter, match="layer_name: expected ASCII letters"):
        write_layer(blocks, format="gpkg", layer_name="重点区块")
    with pytest.raises(InvalidParameter, match="frame: the frame has no CRS"):
        write_layer(blocks.set_crs(None, allow_override=True), format="gpkg", layer_name="blocks")


def test_a_projected_frame_is_written_in_lon_lat(blocks, tmp_path) -> None:
    projected = blocks.to_crs("EPSG:4549")  # CGCS2000 3-degree Gauss–Krüger CM 120E
    back = pyogrio.read_dataframe(_written(projected, "gpkg", tmp_path))
    assert back.crs.to_epsg() == 4326
    assert back.total_bounds == pytest.approx(blocks.total_bounds, abs=1e-6)
