"""Road networks: where they come from and the in-memory form every analysis reads.

Owns the network model and its cache (:mod:`~geo.network.road_network`), the one loader of every source
(:mod:`~geo.network.loading`), OpenStreetMap sources and the BBBike extract with its repair
(:mod:`~geo.network.osm_source`, :mod:`~geo.network.bbbike_build`, :mod:`~geo.network.line_topology`), free-flow
speeds, the SciPy travel-time graph (:mod:`~geo.network.road_graph`) and synthetic grids for tests and benchmarks.
Knows nothing of the ring road or of tours.
"""

__all__ = ["bbbike", "bbbike_build", "edges", "loading", "osm_source", "road_graph", "road_network", "synthetic"]
