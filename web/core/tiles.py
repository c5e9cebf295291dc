"""The base maps' tile layers (``TILES``: OpenStreetMap, AMap or Tianditu): what the map pages load
(:mod:`web.maps`, the editors, the field page), and whose hosts the Content-Security-Policy lets images come from
(:mod:`web.core.security`).
"""
from __future__ import annotations

# Per base map, its tile layers bottom first (Tianditu: the map, then its labels); ``{key}``: the Tianditu key.
TILE_LAYERS: dict[str, list[dict[str, str]]] = {
    "osm": [{"tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "name": "OpenStreetMap", "subdomains": "abc",
             "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> 贡献者'}],
    "amap": [{"tiles": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
                       "&x={x}&y={y}&z={z}", "name": "高德地图", "subdomains": "1234", "attr": "&copy; 高德地图"}],
    "tianditu": [{"tiles": "https://t{s}.tianditu.gov.cn/" + layer + "_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                           "&VERSION=1.0.0&LAYER=" + layer + "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                           "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
                  "name": name, "subdomains": "01234567", "attr": "&copy; 天地图"}
                 for layer, name in (("vec", "天地图"), ("cva", "天地图注记"))],
}
