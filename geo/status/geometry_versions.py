"""An item's geometry versions: reading one (version 0 is the plan's baseline) and restoring one as an audited revert.

Every geometry stored for an item is kept (:class:`geo.status.models.GeometryVersion`); the highest version is current.
Restoring never rewrites history: it copies the chosen version's geometry into a new version, with the same source
(a restored survey is still a survey) and ``restored_from`` naming the version copied, after the same checks and
the same version check as any geometry edit (:func:`geo.status.records.add_geometry_version`).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import shapely
import sqlalchemy as sa

from geo.status import models
from geo.status.edits import check_geometry_edit
from geo.errors import ValidationError
from geo.plan.layers import PlanData
from geo.status.records import Written, store_geometry_version
from geo.status.snapshot import GeometryVersion, geometry_from_row
from geo.status.store import Store, bump_version
from geo.plan.validate import Problem

logger = logging.getLogger(__name__)

BASELINE_VERSION = 0


@dataclass(frozen=True)
class Baseline:
    """The plan's own geometry of an item (its GeoJSON layer), shown as version 0."""

    item_id: str
    geometry: dict
    geometry_source: str
    """The layer's ``geometry_source`` (``approximate``, ``provisional``, ``osm-matched``, ...)."""


def baseline_geometry(plan: PlanData, item_id: str) -> Baseline:
    """The geometry ``item_id`` has in the plan's layers; :class:`~geo.errors.UnknownItem` for an unknown id."""
    row = plan.item(item_id)
    return Baseline(item_id, json.loads(shapely.to_geojson(row.geometry)), str(row["geometry_source"]))


def _version_problem(item_id: str, message: str, kind: str, **details: object) -> ValidationError:
    return ValidationError([Problem("geometry revert", item_id, "version", message, kind=kind, details=details)])


def stored_version(store: Store, item_id: str, version: int) -> GeometryVersion:
    """Version ``version`` (≥ 1) of ``item_id``'s stored geometries.

    Raises
    ------
    ValidationError
        Naming ``version`` when the item has no such version.
    """
    with store.read() as session:
        row = session.scalar(sa.select(models.GeometryVersion).where(models.GeometryVersion.item_id == item_id,
                                                                     models.GeometryVersion.version == version))
        if row is None:
            raise _version_problem(item_id, f"{item_id} has no geometry version {version}; the versions are listed "
                                            f"in its history (0 is the plan's baseline)", "geometry_version_missing",
                                   got=version)
        return geometry_from_row(row)


def restore_geometry_version(store: Store, plan: PlanData, item_id: str, version: object, *, author: str,
                             expected_version: int) -> Written:
    """Make geometry version ``version`` of ``item_id`` (0: the plan's baseline) current again, as a new version.

    Parameters
    ----------
    version
        The geometry version to restore: a whole number, not the current one.
    expected_version
        The item's version when the caller read it (:class:`~geo.errors.EditConflict` when it moved on).

    Raises
    ------
    ValidationError
        Naming ``version`` for a version the item lacks or its current one, or the geometry's problems when it no
        longer passes :func:`geo.status.edits.check_geometry_edit` (e.g. the ring would not close any more).
    """
    baseline = baseline_geometry(plan, item_id)
    if isinstance(version, bool) or not isinstance(version, int) or version < BASELINE_VERSION:
        raise _version_problem(item_id, f"expected the number of a geometry version to restore (0 for the plan's "
                                        f"baseline), got {version!r}", "geometry_version_number", got=version)
    with store.write() as session:
        item_version = bump_version(session, item_id, expected_version)
        rows = {row.version: row for row in session.scalars(
            sa.select(models.GeometryVersion).where(models.GeometryVersion.item_id == item_id))}
        current = max(rows, default=BASELINE_VERSION)
        if version == current:
            raise _version_problem(item_id, f"version {version} is already the current geometry of {item_id}; "
                                            f"choose an earlier one", "geometry_version_current", got=version)
        if version != BASELINE_VERSION and version not in rows:
            choices = (BASELINE_VERSION, *sorted(rows))
            raise _version_problem(item_id, f"{item_id} has no geometry version {version}; expected one of "
                                            f"{', '.join(map(str, choices))}", "geometry_version_unknown",
                                   got=version, choices=choices)
        chosen = baseline.geometry if version == BASELINE_VERSION else rows[version].geometry
        source = models.BASELINE if version == BASELINE_VERSION else rows[version].source
        geometry, problems = check_geometry_edit(plan, item_id, chosen)
        if problems:
            raise ValidationError(problems)
        row = store_geometry_version(session, item_id, geometry, source=source, author=author,
                                     restored_from=version, details={"version": item_version})
    logger.info("geometry version %d of %s restored as version %d by %s", version, item_id, row.version, author)
    return Written(item_id, item_version, geometry_from_row(row))
