"""WGS-84 ⇄ GCJ-02: published reference points, round trips, pass-through outside China, GeoJSON mapping."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.plan.coords import gcj02_to_wgs84, geojson_wgs84_to_gcj02, geometry_wgs84_to_gcj02, in_china, wgs84_to_gcj02

# (wgs lat, wgs lon, gcj lat, gcj lon): the test vectors published with the eviltransform implementations.
REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
METRES_PER_DEGREE = 111_320.0


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), REFERENCE)
def test_forward_matches_published_vectors(wlat: float, wlon: float, glat: float, glon: float) -> None:
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert float(lon) == pytest.approx(glon, abs=1e-9)
    assert float(lat) == pytest.approx(glat, abs=1e-9)


def test_offset_in_wenzhou_is_a_few_hundred_metres() -> None:
    lon, lat = wgs84_to_gcj02(120.70, 27.99)
    shift_m = np.hypot((lon - 120.70) * np.cos(np.radians(27.99)), lat - 27.99) * METRES_PER_DEGREE
    assert 200 < shift_m < 800


def test_round_trip_is_within_a_millimetre_over_the_corridor() -> None:
    lon, lat = np.meshgrid(np.linspace(120.5, 120.9, 21), np.linspace(27.7, 28.2, 21))
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon.ravel(), lat.ravel()))
    error_m = np.hypot(back_lon - lon.ravel(), back_lat - lat.ravel()) * METRES_PER_DEGREE
    assert error_m.max() < 1e-3


def test_points_outside_china_pass_through() -> None:
    lon, lat = wgs84_to_gcj02(np.array([24.94, -122.27]), np.array([60.17, 37.80]))
    assert lon.tolist() == [24.94, -122.27]
    assert lat.tolist() == [60.17, 37.80]
    assert in_china(120.7, 28.0)
    assert not in_china(24.94, 60.17)


def test_geometry_conversion_moves_every_vertex() -> None:
    line = shapely.LineString([(120.6, 27.9), (120.7, 28.0)])
    converted = geometry_wgs84_to_gcj02(line)
    expected = np.column_stack(wgs84_to_gcj02(*np.array(line.coords).T))
    assert np.array(converted.coords) == pytest.approx(expected)


def test_geojson_conversion_keeps_properties_and_leaves_input_alone() -> None:
    feature = {"type": "Feature", "properties": {"id": "B01"},
               "geometry": {"type": "Point", "coordinates": [120.7, 28.0]}}
    collection = {"type": "FeatureCollection", "features": [feature]}
    converted = geojson_wgs84_to_gcj02(collection)
    assert converted["features"][0]["properties"] == {"id": "B01"}
    assert list(converted["features"][0]["geometry"]["coordinates"]) == pytest.approx(
        [float(v) for v in wgs84_to_gcj02(120.7, 28.0)])
    assert feature["geometry"]["coordinates"] == [120.7, 28.0]


def test_rounding_on_request() -> None:
    converted = geojson_wgs84_to_gcj02({"type": "Point", "coordinates": [120.7, 28.0]}, ndigits=5)
    assert list(converted["coordinates"]) == [round(float(v), 5) for v in wgs84_to_gcj02(120.7, 28.0)]


# BD-09 ⇄ GCJ-02: the vectors published with the coordtransform implementations (Beijing).
def test_bd09_matches_published_vectors_and_round_trips_to_wgs84() -> None:
    from geo.plan.coords import bd09_to_gcj02, gcj02_to_bd09, geometry_to_wgs84

    assert [float(v) for v in gcj02_to_bd09(116.404, 39.915)] == pytest.approx([116.41036949371029,
                                                                                  39.92133699351021], abs=1e-9)
    assert [float(v) for v in bd09_to_gcj02(116.404, 39.915)] == pytest.approx([116.39762729119315,
                                                                                  39.90865673957631], abs=1e-9)
    baidu = gcj02_to_bd09(*wgs84_to_gcj02(120.70, 27.99))
    back = geometry_to_wgs84(shapely.Point(*map(float, baidu)), datum="bd09")
    assert (back.x, back.y) == pytest.approx((120.70, 27.99), abs=1e-9)  # refined: well under a centimetre
    with pytest.raises(ValueError, match="expected the datum gcj02 or bd09"):
        geometry_to_wgs84(shapely.Point(120.7, 27.99), datum="wgs84")


def test_inverse_passes_points_outside_china_through() -> None:
    lon, lat = gcj02_to_wgs84(np.array([24.94, -122.27]), np.array([60.17, 37.80]))
    assert lon.tolist() == [24.94, -122.27]
    assert lat.tolist() == [60.17, 37.80]
