"""Per-app data: the plan (loaded once at start), its targets and department tasks (loaded on first use), the road
network (loaded and placed on the plan on first use), cached access results.

One :class:`CorridorState` lives in ``app.extensions["corridor"]``; views reach it through :func:`corridor_state`.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from geo.plan.layers import PlanData, load_plan
from geo.plan.target_plan import TargetPlan, load_target_plan
from web.core.features import PreparedLayers, prepare_layers

logger = logging.getLogger(__name__)

ACCESS_CACHE_SIZE = 64
DEPARTMENT_TASK_PREFIX = "DT"


@dataclass(eq=False)
class CorridorState:
    """Everything an app serves, loaded from the configured paths.

    Attributes
    ----------
    plan
        The plan's layers as loaded and validated by :func:`geo.plan.layers.load_plan`.
    layers
        The same layers serialised as GeoJSON (full and display precision).
    network_path
        The configured road network (``None``: the bundled default).
    data_dir
        The data folder the plan came from; the targets are read from it on first use.
    """

    plan: PlanData
    layers: PreparedLayers
    network_path: Path | None
    data_dir: Path
    _targets: Any = None
    _network: Any = None
    _placed: Any = None
    _access_cache: OrderedDict = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def targets(self) -> TargetPlan:
        """The parks, targets and department tasks (:func:`geo.plan.target_plan.load_target_plan`), loaded on first use
        so that an app whose data folder holds only the map layers still serves the map."""
        with self._lock:
            if self._targets is None:
                self._targets = load_target_plan(self.data_dir, areas=self.plan.districts)
            return self._targets

    def catalogue_for(self, item_id: str) -> PlanData | TargetPlan:
        """The plan for a block, road or task id, the targets for a department task id (``DT…``); either raises
        :class:`~geo.errors.UnknownItem` for an id it does not hold."""
        catalogue = self.targets if item_id.startswith(DEPARTMENT_TASK_PREFIX) else self.plan
        catalogue.layer_of(item_id)
        return catalogue

    @property
    def network(self) -> Any:
        """The road network (:class:`geo.network.road_network.RoadNetwork`), loaded on first use and kept."""
        with self._lock:
            if self._network is None:
                from geo.network.loading import load_network

                self._network = load_network(self.network_path)
                logger.info("loaded road network from %s", self._network.source.get("source"))
            return self._network

    @property
    def placed_network(self) -> Any:
        """The road network placed on the plan (:class:`geo.access.placement.PlacedNetwork`): prepared on first use,
        once per loaded network, and shared by every access check."""
        network = self.network
        with self._lock:
            if self._placed is None or self._placed.network is not network:
                from geo.access.placement import prepare_network

                self._placed = prepare_network(network, self.plan)
            return self._placed

    def cached(self, kind: str, scenario: str, congestion: float, compute: Callable[[], Any], *,
               variant: Hashable = None) -> Any:
        """Return ``compute()`` cached per (network, kind, scenario, congestion, ``variant`` — any other setting the
        value depends on); least recently used goes first."""
        network = self.network
        key = (id(network), kind, scenario, congestion, variant)
        with self._lock:
            if key in self._access_cache:
                self._access_cache.move_to_end(key)
                return self._access_cache[key]
        value = compute()
        with self._lock:
            self._access_cache[key] = value
            while len(self._access_cache) > ACCESS_CACHE_SIZE:
                self._access_cache.popitem(last=False)
        return value

    @property
    def loaded_network(self) -> Any:
        """The road network if it has been loaded, else ``None`` (never loads it)."""
        return self._network

    @property
    def cache_size(self) -> int:
        """How many access results are cached."""
        return len(self._access_cache)


def load_state(*, data_dir: Path, network_path: Path | None) -> CorridorState:
    """Load and validate the plan from ``data_dir`` and prepare its GeoJSON."""
    plan = load_plan(data_dir)
    return CorridorState(plan=plan, layers=prepare_layers(plan), network_path=network_path, data_dir=data_dir)


def corridor_state(app: Flask | None = None) -> CorridorState:
    """The :class:`CorridorState` of ``app`` (default: the current app)."""
    return (app or current_app).extensions["corridor"]
