"""The plan's layers and what it says beyond the map.

Owns the property schemas and the plan's own counts (:mod:`~geo.plan.schema`), loading and validating the 13 key
blocks, 17 road and transit projects and 76 environment tasks (:mod:`~geo.plan.layers`, :mod:`~geo.plan.validate`),
the targets of Attachments 1 and 3 (:mod:`~geo.plan.targets`, :mod:`~geo.plan.target_plan`), where every value comes
from (:mod:`~geo.plan.provenance`), geometry helpers and coordinate systems (:mod:`~geo.plan.shapes`,
:mod:`~geo.plan.coords`) and the validation report. Depends on nothing in ``geo`` but :mod:`geo.errors`.
"""

__all__ = [
    "action_leads", "build_inputs", "build_layers", "coords", "freshness", "layers", "polygon_union", "quarters",
    "schema", "shapes", "target_plan", "targets", "transport_counts", "validate", "validation_report",
]
