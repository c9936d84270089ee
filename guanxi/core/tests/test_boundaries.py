"""The layering: core depends on no app (accounts included), the customer archive on none of the apps
that extend it, the analytics maths on nothing. (No import cycles: tests/test_structure.py.)"""

import ast
from pathlib import Path

import guanxi

# guanxi.testing (test support) is outside the layering: any test may use it.
ALLOWED = {"guanxi.core", "guanxi.accounts", "guanxi.customers", "guanxi.testing"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_customers_imports_no_other_domain_app() -> None:
    root = Path(guanxi.__file__).parent / "customers"
    offenders = {}
    for path in root.rglob("*.py"):
        bad = {
            name for name in _imports(path)
            if name.startswith("guanxi.") and not any(name == a or name.startswith(a + ".") for a in ALLOWED)
        }
        if bad:
            offenders[str(path.relative_to(root))] = sorted(bad)
    assert offenders == {}


def test_core_imports_no_domain_app() -> None:
    root = Path(guanxi.__file__).parent / "core"
    offenders = {}
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        bad = {name for name in _imports(path) if name.startswith("guanxi.") and not name.startswith("guanxi.core")}
        if bad:
            offenders[str(path.relative_to(root))] = sorted(bad)
    assert offenders == {}


def test_the_boundary_check_detects_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("from guanxi.orders.models import Order\nimport guanxi.core.text\n", encoding="utf-8")
    assert _imports(sample) == {"guanxi.orders.models", "guanxi.core.text"}


def test_analytics_compute_is_pure() -> None:
    root = Path(guanxi.__file__).parent / "analytics" / "compute"
    offenders = {
        str(path.relative_to(root)): sorted(n for n in _imports(path) if n.startswith(("django", "guanxi.")) and
                                            not n.startswith("guanxi.analytics.compute"))
        for path in root.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
