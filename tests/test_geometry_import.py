"""Importing surveyed geometries (geo/exchange/survey_files.py, geo/exchange/import_coordinates.py, geo/exchange/geometry_import.py): tiny
files written with pyogrio in every supported format, coordinates from a CRS, GCJ-02 or BD-09, per-feature problems,
and applying all or nothing."""
from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from shapely.affinity import translate

from geo.plan.coords import gcj02_to_bd09, wgs84_to_gcj02
from geo.errors import EditConflict, ValidationError
from geo.exchange.geometry_import import ImportChoice, apply_import, preview_import, suggest_key_field
from geo.plan.layers import load_plan
from geo.status.records import add_geometry_version
from geo.plan.schema import METRIC_CRS, WGS84
from geo.status.snapshot import audit_entries, geometry_history, item_state
from geo.exchange.survey_files import open_survey_file

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SHIFT_M = 30.0


@pytest.fixture(scope="module")
def real_plan():
    return load_plan(DATA_DIR)


def shifted_blocks(plan, *, east_m: float = SHIFT_M) -> gpd.GeoDataFrame:
    """The plan's 13 blocks moved ``east_m`` metres east, with their ids and names (WGS-84)."""
    metric = plan.blocks[["id", "name", "geometry"]].to_crs(METRIC_CRS)
    metric["geometry"] = [translate(g, east_m, 0) for g in metric.geometry]
    return metric.to_crs(WGS84)


def write_gpkg(frame: gpd.GeoDataFrame, path: Path, *, crs: str = "EPSG:4549") -> Path:
    pyogrio.write_dataframe(frame.to_crs(crs), path, layer="survey", driver="GPKG")
    return path


def current_of(plan) -> dict:
    return dict(zip(plan.blocks["id"], plan.blocks.geometry))


def preview(path: Path, plan, tmp_path: Path, **choice):
    survey = open_survey_file(path.read_bytes(), path.name, folder=tmp_path)
    return preview_import(survey, plan, ImportChoice(**{"layer": "survey", "key_field": "id", **choice}),
                          current=current_of(plan))


def kinds(result) -> list[tuple[str, list[str]]]:
    return [(c.item_id or f"#{c.index}", sorted(p.kind for p in c.problems)) for c in result.candidates]


def test_a_gpkg_in_cgcs2000_gauss_kruger_is_reprojected_and_measured(real_plan, tmp_path) -> None:
    moved = shifted_blocks(real_plan)
    path = write_gpkg(moved, tmp_path / "blocks.gpkg")
    survey = open_survey_file(path.read_bytes(), "测绘成果.gpkg", folder=tmp_path)
    [layer] = survey.layers()
    assert (layer.name, layer.count, layer.crs, layer.fields) == ("survey", 13, "EPSG:4549", ("id", "name"))
    assert suggest_key_field(survey.read("survey"), real_plan) == ("id", "id")
    result = preview(path, real_plan, tmp_path)
    assert result.coordinates.startswith("EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E)")
    assert result.all_problems() == []
    assert [c.item_id for c in result.candidates] == list(real_plan.blocks["id"])
    assert [c.centroid_moved_m for c in result.candidates] == pytest.approx([SHIFT_M] * 13, abs=0.5)
    assert [c.moved_m for c in result.candidates] == pytest.approx([SHIFT_M] * 13, abs=0.5)
    assert all(c.datum_shift_m is None for c in result.candidates) and result.datum_hint is None
    got = shapely.get_coordinates(result.candidates[0].geometry)
    assert got == pytest.approx(shapely.get_coordinates(moved.geometry.iloc[0]), abs=1e-7)


def test_a_zipped_shapefile_matched_by_chinese_name(real_plan, tmp_path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(shifted_blocks(real_plan).rename(columns={"name": "名称"}).drop(columns="id"),
                            folder / "blocks.shp", encoding="UTF-8")
    archive = tmp_path / "blocks.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for part in sorted(folder.iterdir()):
            out.write(part, part.name)
    survey = open_survey_file(archive.read_bytes(), archive.name, folder=tmp_path)
    assert suggest_key_field(survey.read("blocks"), real_plan) == ("名称", "name")
    result = preview(archive, real_plan, tmp_path, layer="blocks", key_field="名称", match="name")
    assert result.all_problems() == []
    assert [c.item_id for c in result.candidates] == list(real_plan.blocks["id"])
    assert result.candidates[12].key == "中国·温州安全（应急）产业园"


def test_a_file_without_crs_is_refused_unless_the_user_states_one(real_plan, tmp_path) -> None:
    frame = shifted_blocks(real_plan).head(2)
    csv = tmp_path / "blocks.csv"
    pyogrio.write_dataframe(frame.set_crs(None, allow_override=True), csv, layer_options={"GEOMETRY": "AS_WKT"})
    assert csv.read_text(encoding="utf-8").startswith("WKT,id,name")
    with pytest.raises(ValidationError, match="states no CRS") as refused:
        preview(csv, real_plan, tmp_path, layer="blocks")
    assert [p.kind for p in refused.value.problems] == ["import_crs_missing"]
    result = preview(csv, real_plan, tmp_path, layer="blocks", coordinates="wgs84")
    assert result.all_problems() == [] and result.coordinates == "EPSG:4326 (WGS 84)"
    projected = tmp_path / "projected.csv"
    pyogrio.write_dataframe(frame.to_crs(4549).set_crs(None, allow_override=True), projected,
                            layer_options={"GEOMETRY": "AS_WKT"})
    stated = preview(projected, real_plan, tmp_path, layer="projected", coordinates="epsg", epsg="EPSG:4549")
    assert [c.centroid_moved_m for c in stated.candidates] == pytest.approx([SHIFT_M] * 2, abs=0.5)


def test_a_stated_crs_must_not_contradict_the_file_and_must_exist(real_plan, tmp_path) -> None:
    path = write_gpkg(shifted_blocks(real_plan), tmp_path / "blocks.gpkg")
    with pytest.raises(ValidationError, match="the file states EPSG:4549 but EPSG:4326 was chosen"):
        preview(path, real_plan, tmp_path, coordinates="wgs84")
    with pytest.raises(ValidationError, match="EPSG:999999 is not a CRS") as unknown:
        preview(path, real_plan, tmp_path, coordinates="epsg", epsg="999999")
    assert unknown.value.problems[0].field == "epsg"
    with pytest.raises(ValidationError, match="expected an EPSG code such as 4549"):
        preview(path, real_plan, tmp_path, coordinates="epsg", epsg="４５４９")
    with pytest.raises(ValidationError, match="expected one of file, wgs84"):
        preview(path, real_plan, tmp_path, coordinates="utm")


def _datum_file(plan, tmp_path: Path, convert) -> Path:
    frame = plan.blocks[["id", "name", "geometry"]].head(3).copy()
    frame["geometry"] = [shapely.transform(g, lambda xy: np.column_stack(convert(xy[:, 0], xy[:, 1])))
                         for g in frame.geometry]
    path = tmp_path / "amap.geojson"
    pyogrio.write_dataframe(frame, path, layer="survey", driver="GeoJSON")
    return path


@pytest.mark.parametrize(("source", "convert"), [
    ("gcj02", wgs84_to_gcj02), ("bd09", lambda lon, lat: gcj02_to_bd09(*wgs84_to_gcj02(lon, lat)))])
def test_amap_and_baidu_coordinates_are_converted_and_the_shift_is_shown(real_plan, tmp_path, source,
                                                                         convert) -> None:
    path = _datum_file(real_plan, tmp_path, convert)
    result = preview(path, real_plan, tmp_path, coordinates=source)
    assert result.all_problems() == [] and result.coordinates.endswith({"gcj02": "+ GCJ-02", "bd09": "+ BD-09"}[source])
    for candidate, original in zip(result.candidates, real_plan.blocks.geometry):
        assert shapely.get_coordinates(candidate.geometry) == pytest.approx(shapely.get_coordinates(original),
                                                                            abs=1e-6)
        assert candidate.moved_m < 0.2
        expected = gpd.GeoSeries([candidate.as_read, original], crs=WGS84).to_crs(METRIC_CRS)
        assert candidate.datum_shift_m == pytest.approx(expected.iloc[0].hausdorff_distance(expected.iloc[1]),
                                                        abs=0.2)
        assert 300 < candidate.datum_shift_m < 1500
    assert result.datum_hint is None
    unconverted = preview(path, real_plan, tmp_path)  # a GeoJSON says WGS-84: the offset is kept, and measured
    assert unconverted.all_problems() == [] and unconverted.datum_hint == source
    assert [c.moved_m for c in unconverted.candidates] == pytest.approx([c.datum_shift_m for c in result.candidates],
                                                                        abs=0.5)


def test_kml_and_kmz_are_read(real_plan, tmp_path) -> None:
    kml = tmp_path / "blocks.kml"
    pyogrio.write_dataframe(shifted_blocks(real_plan).head(2), kml, layer="survey", driver="KML")
    kmz = tmp_path / "blocks.kmz"
    with zipfile.ZipFile(kmz, "w") as out:
        out.write(kml, "doc.kml")
    for path in (kml, kmz):
        survey = open_survey_file(path.read_bytes(), path.name, folder=tmp_path)
        [layer] = survey.layers()
        field, match = suggest_key_field(survey.read(layer.name), real_plan)
        result = preview(path, real_plan, tmp_path, layer=layer.name, key_field=field, match=match)
        assert [c.item_id for c in result.candidates] == ["B01", "B02"] and result.all_problems() == []
        assert [c.centroid_moved_m for c in result.candidates] == pytest.approx([SHIFT_M] * 2, abs=0.5)


def test_a_dxf_with_closed_polylines_becomes_polygons(real_plan, tmp_path) -> None:
    frame = shifted_blocks(real_plan).head(2).to_crs(4549)
    outlines = gpd.GeoDataFrame({"Layer": list(frame["id"])}, geometry=[g.exterior for g in frame.geometry])
    path = tmp_path / "survey.dxf"
    pyogrio.write_dataframe(outlines, path, driver="DXF")
    result = preview(path, real_plan, tmp_path, layer="entities", key_field="Layer", coordinates="epsg",
                     epsg="4549")
    assert result.all_problems() == []
    assert [c.geometry.geom_type for c in result.candidates] == ["Polygon", "Polygon"]
    assert [c.centroid_moved_m for c in result.candidates] == pytest.approx([SHIFT_M] * 2, abs=0.5)


def _bad_file(plan, tmp_path: Path) -> Path:
    blocks = shifted_blocks(plan).set_index("id")
    x, y = blocks.loc["B03", "geometry"].centroid.coords[0]
    bowtie = shapely.Polygon([(x - 0.002, y - 0.002), (x + 0.002, y + 0.002), (x + 0.002, y - 0.002),
                              (x - 0.002, y + 0.002)])
    rows = [("B01", blocks.loc["B01", "geometry"].centroid),  # a point for a block: the layer mixes types
            ("B02", blocks.loc["B02", "geometry"]), ("B03", bowtie),
            ("B04", shapely.box(116.39, 39.90, 116.41, 39.92)),  # Beijing
            ("B99", blocks.loc["B05", "geometry"]), ("", blocks.loc["B06", "geometry"]),
            ("B07", blocks.loc["B07", "geometry"]), ("b07", blocks.loc["B07", "geometry"]),
            ("B08", None)]
    frame = gpd.GeoDataFrame({"id": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs=WGS84)
    path = tmp_path / "bad.gpkg"
    pyogrio.write_dataframe(frame, path, layer="survey", driver="GPKG", geometry_type="Unknown")
    return path


def test_a_bad_file_gets_a_report_per_feature_and_changes_nothing(real_plan, store, tmp_path) -> None:
    result = preview(_bad_file(real_plan, tmp_path), real_plan, tmp_path)
    assert kinds(result) == [
        ("B01", ["geometry_type"]), ("B02", []), ("B03", ["geometry_invalid"]), ("B04", ["import_outside_wenzhou"]),
        ("#5", ["import_unknown_id"]), ("#6", ["import_key_missing"]), ("B07", ["import_duplicate_item"]),
        ("B07", ["import_duplicate_item"]), ("B08", ["geometry_missing"])]
    assert [c.key for c in result.candidates][6:8] == ["B07", "b07"]
    assert sum(bool(c.problems) for c in result.candidates) == 8
    beijing = next(c for c in result.candidates if c.item_id == "B04").problems[0]
    assert beijing.details["distance_km"] > 1000
    with pytest.raises(ValidationError) as refused:
        apply_import(store, result, author="测绘员", expected_versions={c.item_id: 0 for c in result.candidates})
    assert len(refused.value.problems) == 8
    assert all(item_state(store, f"B{n:02d}").version == 0 for n in range(1, 14))
    assert audit_entries(store) == []


def test_applying_writes_one_surveyed_version_and_audit_entry_per_item(real_plan, store, tmp_path) -> None:
    result = preview(write_gpkg(shifted_blocks(real_plan), tmp_path / "blocks.gpkg"), real_plan, tmp_path)
    written = apply_import(store, result, author="测绘员", expected_versions=dict.fromkeys(real_plan.blocks["id"], 0))
    assert [(w.item_id, w.version, w.record.source) for w in written] == [
        (item_id, 1, "surveyed") for item_id in real_plan.blocks["id"]]
    for item_id in real_plan.blocks["id"]:
        [version] = geometry_history(store, item_id)
        assert (version.source, version.author) == ("surveyed", "测绘员")
        [entry] = audit_entries(store, item_id=item_id)
        assert (entry.action, entry.details["import_file"], entry.details["source"]) == ("geometry", "blocks.gpkg",
                                                                                         "surveyed")


def test_a_version_conflict_on_any_item_writes_none(real_plan, store, tmp_path) -> None:
    drawn = shapely.geometry.mapping(real_plan.blocks.geometry.iloc[4])
    add_geometry_version(store, real_plan, "B05", drawn, author="张三", expected_version=0)
    result = preview(write_gpkg(shifted_blocks(real_plan), tmp_path / "blocks.gpkg"), real_plan, tmp_path)
    with pytest.raises(EditConflict):
        apply_import(store, result, author="测绘员", expected_versions=dict.fromkeys(real_plan.blocks["id"], 0))
    assert [item_state(store, f"B{n:02d}").version for n in range(1, 14)] == [0] * 4 + [1] + [0] * 8
    with pytest.raises(ValidationError, match="no expected version for B13"):
        apply_import(store, result, author="测绘员", expected_versions={f"B{n:02d}": 0 for n in range(1, 13)})


def test_names_that_fit_several_items_or_none_are_reported(real_plan, tmp_path) -> None:
    frame = gpd.GeoDataFrame({"name": ["中国眼谷", "不存在的区块"]},
                             geometry=list(shifted_blocks(real_plan).geometry.iloc[2:4]), crs=WGS84)
    path = write_gpkg(frame, tmp_path / "names.gpkg")
    result = preview(path, real_plan, tmp_path, key_field="name", match="name")
    assert kinds(result) == [("B03", []), ("#2", ["import_unknown_name"])]
    with pytest.raises(ValidationError, match="the layer has no field 'code'; expected one of name"):
        preview(path, real_plan, tmp_path, key_field="code")
    with pytest.raises(ValidationError, match="the file has no layer 'blocks'; expected one of survey"):
        preview(path, real_plan, tmp_path, layer="blocks", key_field="name")


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("blocks.shp", b"whatever", "import_format"),
    ("blocks.gpkg", b'{"type": "FeatureCollection"}', "import_content"),
    ("blocks.geojson", b"", "import_empty_file"),
    ("blocks.csv", "编号,WKT\n".encode("gbk"), "import_encoding"),
    ("blocks.zip", b"PK\x03\x04 broken", "import_content"),
])
def test_files_that_are_not_what_they_say_are_refused(tmp_path, name, content, kind) -> None:
    with pytest.raises(ValidationError) as refused:
        open_survey_file(content, name, folder=tmp_path)
    assert [(p.field, p.kind) for p in refused.value.problems] == [("file", kind)]


def test_a_zip_without_a_shapefile_and_an_unreadable_gpkg_are_refused(tmp_path) -> None:
    archive = tmp_path / "notes.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("readme.txt", "no shapefile here")
    with pytest.raises(ValidationError, match=r"holds no \.shp file"):
        open_survey_file(archive.read_bytes(), archive.name, folder=tmp_path)
    damaged = open_survey_file(b"SQLite format 3\x00" + b"\x00" * 200, "damaged.gpkg", folder=tmp_path)
    with pytest.raises(ValidationError, match="GDAL could not read damaged.gpkg") as refused:
        damaged.layers()
    assert refused.value.problems[0].kind == "import_unreadable"


def test_projected_coordinates_in_a_geojson_without_crs_are_out_of_range(real_plan, tmp_path) -> None:
    projected = shifted_blocks(real_plan).head(2).to_crs(4549)
    path = tmp_path / "projected.geojson"
    path.write_text(projected.to_json(to_wgs84=False).replace('"crs"', '"_crs"'), encoding="utf-8")
    result = preview(path, real_plan, tmp_path, layer="projected")  # GeoJSON is WGS-84 unless it says otherwise
    assert kinds(result) == [("B01", ["coordinates_range"]), ("B02", ["coordinates_range"])]
    assert [c.moved_m for c in result.candidates] == [None, None]
