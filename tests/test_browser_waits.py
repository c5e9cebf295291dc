"""The browser tests wait on arrow functions, never on bare expressions.

Playwright evaluates a bare ``wait_for_function`` expression with ``eval`` on every poll. Its first poll runs from
DevTools and passes, but the later ones run from the page's animation frames, where the app's Content Security Policy
(no ``'unsafe-eval'``) refuses them: a bare expression that is false on the first poll fails the test on a slow
machine only (CI did, on the printed itinerary). A function is evaluated once and then called, so the policy never
sees an ``eval``.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
_FUNCTION_SOURCE = re.compile(r"\s*(\(|[A-Za-z_$][\w$]*\s*=>|function\b|async\b)")


def _literal_start(node: ast.expr, constants: dict[str, ast.expr]) -> str | None:
    """The leading literal text of a JavaScript source argument, or None when it is not known statically."""
    if isinstance(node, ast.Name) and node.id in constants:
        return _literal_start(constants[node.id], constants)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    if isinstance(node, ast.BinOp):
        return _literal_start(node.left, constants)
    return None


def bare_expression_waits(source: str, *, filename: str) -> list[str]:
    """Where ``source`` calls ``wait_for_function`` with something other than a JavaScript function."""
    tree = ast.parse(source, filename=filename)
    constants = {target.id: statement.value for statement in tree.body if isinstance(statement, ast.Assign)
                 for target in statement.targets if isinstance(target, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "wait_for_function" and node.args):
            start = _literal_start(node.args[0], constants)
            if start is None or not _FUNCTION_SOURCE.match(start):
                found.append(f"{filename}:{node.lineno}")
    return found


def test_every_wait_in_the_browser_tests_is_on_a_function() -> None:
    found = [place for path in sorted(TESTS.glob("*.py"))
             for place in bare_expression_waits(path.read_text(encoding="utf-8"), filename=path.name)]
    assert found == [], "write these waits as '() => …' (see this module's docstring)"


def test_a_bare_expression_is_found_and_functions_are_not() -> None:
    source = '''
READY = "() => window.corridor !== undefined"
page.wait_for_function("window.corridor !== undefined")
page.wait_for_function(READY)
page.wait_for_function(f"() => {shown} === 1")
page.wait_for_function("(selector) => document.querySelector(selector)", arg="#map")
page.wait_for_function("document.title === " "'x'")
page.wait_for_function(unknown_name)
'''
    assert bare_expression_waits(source, filename="fake.py") == ["fake.py:3", "fake.py:7", "fake.py:8"]
