"""Inspection tours (季度观摩): sites, routing on the road network, the visiting order and the itinerary.

Start at :mod:`~geo.tours.planner`; what a tour is asked for is :mod:`~geo.tours.request`. Sites come from the plan
(:mod:`~geo.tours.sites`), travel times from the road network (:mod:`~geo.tours.routing`,
:mod:`~geo.tours.placement`), the order from :mod:`~geo.tours.tsp`, the clock and lunch from
:mod:`~geo.tours.itinerary` and :mod:`~geo.tours.lunch`, the printed map from :mod:`~geo.tours.route_svg`.
"""

__all__ = ["itinerary", "placement", "planner", "request", "route_svg", "routing", "sites", "tsp"]
