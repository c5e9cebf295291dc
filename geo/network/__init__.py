"""Road networks: where they come from and the in-memory form every analysis reads.

Owns the network model and its cache (:mod:`~geo.network.road_network`), OpenStreetMap sources and the BBBike
extract with its repair (:mod:`~geo.network.osm_source`, :mod:`~geo.network.bbbike_build`,
:mod:`~geo.network.line_topology`), free-flow speeds, the SciPy travel-time graph (:mod:`~geo.network.road_graph`)
and synthetic grids for tests and benchmarks. Knows nothing of the ring road or of tours.
"""
