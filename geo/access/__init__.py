"""The 「10分钟入环、30分钟通环」 check: time to the ring road from everywhere, and round the ring.

Start at :mod:`~geo.access.check` (one call per scenario). The ring and the road projects are found on the network
(:mod:`~geo.access.plan_matching`, :mod:`~geo.access.map_matching`, :mod:`~geo.access.ring`), placed once per
network (:mod:`~geo.access.placement`), evaluated (:mod:`~geo.access.evaluation`, :mod:`~geo.access.coverage`,
:mod:`~geo.access.ring_loop`) and reported (:mod:`~geo.access.report`, :mod:`~geo.access.tables`,
:mod:`~geo.access.files`, :mod:`~geo.access.isochrones`). Reads :mod:`geo.plan` and :mod:`geo.network`.
"""

__all__ = [
    "check", "evaluation", "files", "isochrones", "placement", "plan_matching", "prepared_plan", "report_text", "ring",
    "ring_gaps", "tables",
]
