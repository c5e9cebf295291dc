"""The package layering of ``geo`` and ``web`` (docs/architecture.md): the table, and the checks of
:mod:`import_rules` on the real tree.

Each rule has a test on the real tree and a test running the same checker on a few fake modules written to
``tmp_path``, which proves it fails when the rule is broken.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from import_rules import (Source, cycles, forbidden_imports, module_cycles, package_cycles, package_init_problems,
                          private_imports, scan, unit, upward_imports)

ROOT = Path(__file__).resolve().parents[1]
NOT_IN_GEO: tuple[str, ...] = ("web", "flask", "folium", "werkzeug")

_GEO_ROOT = frozenset({"geo.errors", "geo.xlsx_layout"})
_GEO_BELOW_STATUS = _GEO_ROOT | {"geo.plan"}
_GEO_BELOW_TOP = _GEO_BELOW_STATUS | {"geo.network", "geo.access", "geo.status"}
_GEO = _GEO_BELOW_TOP | {"geo.tours", "geo.bulletins", "geo.field", "geo.exchange", "geo.accounts"}
_WEB_BELOW_PAGES = _GEO | {"web.infra", "web.core", "web.maps"}
_PAGE_FAMILIES = frozenset({"web.access", "web.editing", "web.tours", "web.reports", "web.admin", "web.gis",
                            "web.views", "web.api", "web.openapi"})
# The layering table: unit -> the units it may import (its own modules always). Page families use each other only
# along the edges listed, which are the ones the code has (without a cycle: web.views imports no family but
# web.access, since web.tours uses its map helpers and web.gis exports tours).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "geo": frozenset(),
    "geo.errors": frozenset(),
    "geo.xlsx_layout": frozenset({"geo.errors"}),
    "geo.plan": _GEO_ROOT,
    "geo.network": _GEO_BELOW_STATUS,
    "geo.status": _GEO_BELOW_STATUS,
    "geo.access": _GEO_BELOW_STATUS | {"geo.network"},
    "geo.tours": _GEO_BELOW_TOP,
    "geo.bulletins": _GEO_BELOW_TOP,
    "geo.field": _GEO_BELOW_TOP,
    "geo.exchange": _GEO_BELOW_TOP,
    "geo.accounts": _GEO_BELOW_TOP,
    "web.infra": frozenset({"geo.errors"}),
    "web.core": _GEO | {"web.infra"},
    "web.maps": _GEO | {"web.infra", "web.core"},
    "web.access": _WEB_BELOW_PAGES,
    "web.editing": _WEB_BELOW_PAGES,
    "web.admin": _WEB_BELOW_PAGES,
    "web.views": _WEB_BELOW_PAGES | {"web.access"},
    "web.api": _WEB_BELOW_PAGES | {"web.access"},
    "web.tours": _WEB_BELOW_PAGES | {"web.editing", "web.views"},
    "web.reports": _WEB_BELOW_PAGES | {"web.editing"},
    "web.gis": _WEB_BELOW_PAGES | {"web.access", "web.reports", "web.tours"},
    "web.openapi": _WEB_BELOW_PAGES | {"web.editing", "web.reports", "web.tours"},
    "web": _WEB_BELOW_PAGES | _PAGE_FAMILIES,
    "web.gunicorn_server": _WEB_BELOW_PAGES | {"web"},
    "web.cli": _WEB_BELOW_PAGES | _PAGE_FAMILIES | {"web", "web.gunicorn_server"},
}
# Package __init__ files that may import at module level, and why; never their own package's modules.
EAGER_IMPORTS_ALLOWED: dict[str, str] = {"web": "the app factory (create_app) needs Flask"}


# --- the real tree ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tree() -> Source:
    return scan(ROOT)


def test_layering_table_covers_every_unit_and_has_no_cycle(tree: Source) -> None:
    graph = {row: set(allowed) for row, allowed in MAY_IMPORT.items()}
    assert cycles(graph) == [], "MAY_IMPORT must be a layering: no unit may reach itself"
    assert {unit(module) for module in tree.modules} - set(MAY_IMPORT) == set(), "add these units to MAY_IMPORT"
    assert set().union(*MAY_IMPORT.values()) <= set(MAY_IMPORT)


def test_geo_never_imports_web_flask_folium_or_werkzeug(tree: Source) -> None:
    problems = forbidden_imports(tree, package="geo", forbidden=NOT_IN_GEO)
    assert not problems, "\n".join(problems)


def test_packages_import_only_lower_layers(tree: Source) -> None:
    problems = upward_imports(tree, table=MAY_IMPORT)
    assert not problems, "\n".join(problems)


def test_no_import_cycle_between_modules(tree: Source) -> None:
    problems = module_cycles(tree)
    assert not problems, "\n".join(problems)


def test_no_import_cycle_between_packages(tree: Source) -> None:
    problems = package_cycles(tree)
    assert not problems, "\n".join(problems)


def test_outside_code_imports_only_public_submodules(tree: Source) -> None:
    problems = private_imports(tree)
    assert not problems, "\n".join(problems)


def test_package_inits_are_documented_declare_all_and_import_nothing(tree: Source) -> None:
    problems = package_init_problems(tree, eager_allowed=EAGER_IMPORTS_ALLOWED)
    assert not problems, "\n".join(problems)


# --- the same checker on fake modules: each rule fails when broken -------------------------------------------------

INIT = '"""A package."""\n__all__ = {names!r}\n'


def fake_tree(root: Path, files: Mapping[str, str]) -> Source:
    """Write ``files`` (path -> text) and minimal documented packages ``geo``, ``geo.plan``, ``geo.network``, ``web``
    under ``root``, then scan it."""
    base = {"geo/__init__.py": INIT.format(names=["errors", "network", "plan"]), "geo/errors.py": "",
            "geo/plan/__init__.py": INIT.format(names=["layers"]), "geo/plan/layers.py": "",
            "geo/plan/shapes.py": "", "geo/network/__init__.py": INIT.format(names=["road_network"]),
            "geo/network/road_network.py": "from geo.plan.layers import load_plan\n",
            "web/__init__.py": INIT.format(names=[]), "web/views.py": "from geo.plan import layers\n"}
    for name, text in {**base, **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return scan(root)


def test_fake_tree_without_faults_passes_every_rule(tmp_path: Path) -> None:
    source = fake_tree(tmp_path, {})
    assert forbidden_imports(source, package="geo", forbidden=NOT_IN_GEO) == []
    assert upward_imports(source, table=MAY_IMPORT) == []
    assert module_cycles(source) == package_cycles(source) == private_imports(source) == []
    assert package_init_problems(source, eager_allowed=EAGER_IMPORTS_ALLOWED) == []


def test_geo_rule_fails_on_flask_folium_or_web(tmp_path: Path) -> None:
    source = fake_tree(tmp_path, {"geo/plan/layers.py": "def page():\n    import flask\n",
                                  "geo/plan/shapes.py": "from folium import Map\nfrom web.views import x\n"})
    assert forbidden_imports(source, package="geo", forbidden=NOT_IN_GEO) == [
        "geo.plan.layers imports flask (line 2) — rule: geo never imports web, flask, folium, werkzeug",
        "geo.plan.shapes imports folium (line 1) — rule: geo never imports web, flask, folium, werkzeug",
        "geo.plan.shapes imports web.views (line 2) — rule: geo never imports web, flask, folium, werkzeug"]


def test_layering_rule_fails_on_an_upward_import(tmp_path: Path) -> None:
    source = fake_tree(tmp_path, {"geo/plan/shapes.py": "from . import layers\nfrom ..network import road_network\n",
                                  "geo/extra/__init__.py": "import geo.errors\n"})
    assert upward_imports(source, table=MAY_IMPORT) == [
        "geo.extra imports geo.errors (line 1) — rule: layering; geo.extra has no row in MAY_IMPORT in "
        "tests/test_architecture.py: add one",
        "geo.plan.shapes imports geo.network.road_network (line 2) — rule: layering; geo.plan may not import "
        "geo.network (MAY_IMPORT in tests/test_architecture.py)"]


def test_cycle_rules_fail_on_a_function_level_cycle_and_on_a_package_cycle(tmp_path: Path) -> None:
    source = fake_tree(tmp_path, {"geo/plan/layers.py": "import geo.plan.shapes\n",
                                  "geo/plan/shapes.py": "def load():\n    from geo.plan import layers\n",
                                  "geo/plan/coords.py": "def check():\n    from geo.errors import CorridorError\n",
                                  "geo/errors.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                                   "    from geo.network.road_network import Network\n"})
    assert module_cycles(source) == ["import cycle between modules: geo.plan.layers -> geo.plan.shapes -> "
                                     "geo.plan.layers"]
    assert package_cycles(source) == [
        "import cycle between packages: geo.errors -> geo.network -> geo.plan -> geo.errors (e.g. geo.errors imports "
        "geo.network.road_network (line 3); geo.network.road_network imports geo.plan.layers (line 1); "
        "geo.plan.coords imports geo.errors (line 2))"]


def test_public_surface_rule_fails_on_a_submodule_missing_from_all(tmp_path: Path) -> None:
    source = fake_tree(tmp_path, {"web/views.py": "from geo.plan.layers import plan\nfrom geo.plan import shapes\n",
                                  "geo/network/road_network.py": "import geo.plan.shapes\n",
                                  "geo/plan/layers.py": "from geo.plan.shapes import area\n",
                                  "scripts/build.py": "from geo.network import road_network\n"})
    assert private_imports(source) == [
        "geo.network.road_network imports geo.plan.shapes (line 1) — rule: public surface; 'shapes' is not in "
        "geo.plan.__all__ (use a module it lists, or list this one if it is meant to be used outside)",
        "web.views imports geo.plan.shapes (line 2) — rule: public surface; 'shapes' is not in geo.plan.__all__ "
        "(use a module it lists, or list this one if it is meant to be used outside)"]
    (tmp_path / "scripts/build.py").write_text("from geo.errors import CorridorError\nimport geo.status.store\n")
    (tmp_path / "geo/__init__.py").write_text(INIT.format(names=["plan"]))
    (tmp_path / "geo/status").mkdir()
    (tmp_path / "geo/status/store.py").write_text("")
    assert private_imports(scan(tmp_path))[-2:] == [
        "scripts.build imports geo.errors (line 1) — rule: public surface; 'errors' is not in geo.__all__ (use a "
        "module it lists, or list this one if it is meant to be used outside)",
        "scripts.build imports geo.status.store (line 2) — rule: public surface; 'status' is not in geo.__all__ "
        "(use a module it lists, or list this one if it is meant to be used outside)"]


def test_package_init_rule_fails_without_docstring_or_all_or_with_an_eager_import(tmp_path: Path) -> None:
    source = fake_tree(tmp_path, {"geo/plan/__init__.py": "import logging\n__all__ = ['layers', 'gone']\n",
                                  "geo/network/__init__.py": '"""Roads."""\nfrom . import road_network\n',
                                  "web/__init__.py": '"""Factory."""\nimport flask\n__all__ = ["create_app"]\n'
                                                     "def create_app():\n    from web import views\n"})
    assert package_init_problems(source, eager_allowed=EAGER_IMPORTS_ALLOWED) == [
        "geo.network (geo/network/__init__.py) has no literal __all__ — rule: list the package's public modules",
        "geo.network imports geo.network.road_network (line 2) — rule: a package __init__ imports nothing when it is "
        "imported",
        "geo.plan (geo/plan/__init__.py) has no docstring — rule: say what the package owns and where to start",
        "geo.plan (geo/plan/__init__.py) lists 'gone' in __all__, which is neither a submodule nor defined there",
        "geo.plan imports logging (line 1) — rule: a package __init__ imports nothing when it is imported"]
    (tmp_path / "web/__init__.py").write_text('"""Factory."""\n__all__ = ["views"]\nfrom web import views\n')
    assert package_init_problems(scan(tmp_path), eager_allowed=EAGER_IMPORTS_ALLOWED)[-1] == (
        "web imports web.views (line 3) — rule: a package __init__ imports nothing when it is imported")
