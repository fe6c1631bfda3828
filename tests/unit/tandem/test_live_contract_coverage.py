"""Every call Tandem makes to HubSpot and Jira has a live contract test (`tests/live/coverage.py`).

A public coroutine method of `HubSpotApi` or `JiraApi` is a call to a vendor; the list must name, for each,
a test in `tests/live/` that exists and calls it, so a vendor's change to that call's answer is caught.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from connectors.hubspot.api import HubSpotApi
from connectors.jira.api import JiraApi
from tests.live.coverage import COVERED

ROOT = Path(__file__).resolve().parents[3]
APIS: tuple[type, ...] = (HubSpotApi, JiraApi)


def vendor_calls() -> list[str]:
    return sorted(
        f"{api.__name__}.{name}"
        for api in APIS
        for name, member in inspect.getmembers(api, inspect.iscoroutinefunction)
        if not name.startswith("_")
    )


def test_every_public_coroutine_method_of_the_vendor_apis_has_a_live_contract_test() -> None:
    missing = [call for call in vendor_calls() if call not in COVERED]
    assert not missing, "\n".join(
        f"{call} has no live contract test: write one under tests/live/ that calls it, "
        f"and list it in COVERED in tests/live/coverage.py"
        for call in missing
    )


def test_the_list_names_only_methods_the_vendor_apis_have() -> None:
    unknown = sorted(set(COVERED) - set(vendor_calls()))
    assert not unknown, f"tests/live/coverage.py lists calls that are not public coroutine methods: {unknown}"


def _test_function(nodeid: str) -> ast.AsyncFunctionDef | ast.FunctionDef | None:
    path, _, name = nodeid.partition("::")
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name == name:
            return node
    return None


@pytest.mark.parametrize("call", sorted(COVERED))
def test_each_listed_live_test_exists_and_calls_its_method(call: str) -> None:
    nodeid = COVERED[call]
    method = call.split(".", 1)[1]
    function = _test_function(nodeid)
    assert function is not None, f"{call}: {nodeid} does not exist"
    called = {
        node.func.attr
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert method in called, f"{call}: {nodeid} never calls .{method}(…)"
