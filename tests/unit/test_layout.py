"""The house rules of the layout (README "How it is built"), read from the code's own imports.

Every `import` and `from … import` of a module counts, at any depth (a function-level import too), so a
rule cannot be side-stepped by importing late.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def modules(package: str, root: Path = ROOT) -> Iterator[tuple[str, Path]]:
    for path in sorted((root / package).rglob("*.py")):
        yield ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__"), path


def imports(path: Path, root: Path = ROOT) -> set[str]:
    """Every module `path` imports, absolute (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(root).parent.parts)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from streams import rules`
    return found


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def offences(package: str, forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, path in modules(package, root)
        for name in imports(path, root)
        if any(within(name, prefix) for prefix in forbidden)
    )


RULES_FORBIDDEN = (
    "faust",
    "mode",
    "aiokafka",
    "aiohttp",
    "connectors",
    "sandbox",
    "streams.app",
    "streams.topics",
)


def test_the_rules_import_no_faust_no_kafka_no_http_and_no_connectors() -> None:
    """`streams/rules/` holds pure decisions: records in, decisions out, no Faust app, no I/O."""
    assert offences("streams/rules", RULES_FORBIDDEN) == []


def test_the_rules_never_read_the_clock() -> None:
    """*Now* reaches a rule as an argument (docs/rules.md, Time), never from the wall clock."""
    calls = []
    for module, path in modules("streams/rules"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("now", "utcnow", "today", "time", "monotonic")
                and isinstance(node.value, ast.Name)
                and node.value.id in ("datetime", "date", "time")
            ):
                calls.append(f"{module}: {node.value.id}.{node.attr}")
    assert calls == []


def test_the_connectors_never_import_the_rules() -> None:
    """The edge knows nothing of goals or drift: connectors may use the app, topics and records, not the rules."""
    assert offences("connectors", ("streams.rules",)) == []


@pytest.mark.parametrize("package", ["streams", "connectors", "tandem/kafka"])
def test_the_product_never_imports_the_sandboxes(package: str) -> None:
    """The emulated world serves tests, replays and the demo; the product runs the same without it."""
    assert offences(package, ("sandbox",)) == []


def test_the_rule_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The checks above can fail: a module importing Faust late, inside a function, is found."""
    (tmp_path / "streams" / "rules").mkdir(parents=True)
    probe = tmp_path / "streams" / "rules" / "probe.py"
    probe.write_text(
        "def late():\n    import faust\n\n    from ..rules import goals\n    from connectors.http import errors\n"
    )
    assert offences("streams/rules", RULES_FORBIDDEN, tmp_path) == [
        "streams.rules.probe imports connectors.http",
        "streams.rules.probe imports connectors.http.errors",
        "streams.rules.probe imports faust",
    ]
    assert "streams.rules.goals" in imports(probe, tmp_path)
