"""Tests for geo.network.speeds: CJJ 37 class speeds, OSM maxspeed parsing, config overrides."""
from __future__ import annotations

import math

import numpy as np
import pytest

from geo.errors import InvalidParameter
from geo.network.speeds import CJJ37_CLASS_SPEEDS_KPH, SpeedConfig, parse_maxspeed, speeds_for


@pytest.mark.parametrize(("value", "expected"), [
    ("50", 50.0), ("50 km/h", 50.0), ("60kmh", 60.0), ("30 mph", 48.28032), (["40", "60"], 40.0),
    ("40;60", 40.0), ("RU:urban;50", 50.0), (" 25 ", 25.0),
])
def test_parseable_maxspeed(value, expected):
    assert parse_maxspeed(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["RU:urban", "none", "walk", "signals", "", None, "0", float("nan"), ["CN:urban"]])
def test_unparseable_maxspeed_is_nan(value):
    assert math.isnan(parse_maxspeed(value))


def test_default_speeds_follow_cjj37_ranges():
    expressway = [CJJ37_CLASS_SPEEDS_KPH[c] for c in ("motorway", "trunk")]
    assert all(60 <= s <= 100 for s in expressway)
    assert 40 <= CJJ37_CLASS_SPEEDS_KPH["primary"] <= 60
    assert 30 <= CJJ37_CLASS_SPEEDS_KPH["secondary"] <= 50
    assert all(20 <= CJJ37_CLASS_SPEEDS_KPH[c] <= 40 for c in ("tertiary", "residential", "unclassified"))
    assert all(CJJ37_CLASS_SPEEDS_KPH[f"{c}_link"] < CJJ37_CLASS_SPEEDS_KPH[c]
               for c in ("motorway", "trunk", "primary", "secondary", "tertiary"))


def test_speeds_for_uses_class_default_unknown_default_and_maxspeed():
    highway = np.array(["primary", "residential", "busway", "primary", "service"], dtype=object)
    maxspeed = np.array(["", "", "", "70", "RU:urban"], dtype=object)
    assert list(speeds_for(highway, maxspeed)) == [50.0, 30.0, 30.0, 70.0, 20.0]


def test_maxspeed_can_be_switched_off_and_classes_overridden():
    config = SpeedConfig(honour_maxspeed=False, default_kph=15).with_overrides({"primary": 60})
    highway = np.array(["primary", "busway", "secondary"], dtype=object)
    maxspeed = np.array(["80", "", ""], dtype=object)
    assert list(speeds_for(highway, maxspeed, config=config)) == [60.0, 15.0, 40.0]


def test_config_dict_round_trip_and_partial_overrides():
    config = SpeedConfig.from_dict({"class_speeds": {"primary": 55}, "honour_maxspeed": False})
    assert config.class_speeds["primary"] == 55.0
    assert config.class_speeds["secondary"] == 40.0
    assert SpeedConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(("config", "message"), [
    ({"class_speeds": {"primary": -5}}, r"class_speeds\['primary'\] = -5"),
    ({"class_speeds": {"residential": 0}}, r"class_speeds\['residential'\] = 0"),
    ({"default_kph": 0}, "default_kph = 0"),
    ({"class_speeds": {"primary": "fast"}}, "positive number"),
    ({"congestion": 0.6}, r"unknown keys \['congestion'\]"),
])
def test_bad_speed_config_is_rejected(config, message):
    with pytest.raises(InvalidParameter, match=message) as error:
        SpeedConfig.from_dict(config)
    assert error.value.field == "speeds"


def test_config_is_immutable():
    config = SpeedConfig()
    with pytest.raises(TypeError):
        config.class_speeds["primary"] = 99  # type: ignore[index]
