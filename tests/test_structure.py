"""Rules of the code's shape, checked over every module under guanxi/ (tests included):

- no import cycle between modules, imports inside functions included;
- no module over 800 lines (migrations and tests aside);
- every app has the files the app shape in docs/architecture.md requires, and is installed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings as django_settings

import guanxi

ROOT = Path(guanxi.__file__).parent


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = ROOT) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The known modules `path` imports anywhere in its body, functions included: `from a.b import c`
    names the module a.b.c when c is one, else a.b. Imports under `if TYPE_CHECKING:` never run, so they
    are left out: a queryset may name its model in annotations while the model imports the queryset."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node.test)
                 for stmt in node.body for inner in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")
                elif base in known:
                    found.add(base)
    found.discard(name)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    found = modules(root)
    known = set(found)
    return {name: imported_modules(name, path, known) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def test_no_module_imports_itself_back() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import thing\n")
    (package / "b.py").write_text("def thing():\n    from pkg import a\n    return a\n")
    (package / "c.py").write_text("from . import a\n")
    (package / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n")
    graph = import_graph(package)
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": {"pkg.a"}, "pkg.d": set()}
    assert cycles(graph) == [["pkg.a", "pkg.b"]]


MAX_LINES = 800


def _counted(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "migrations" not in parts and "tests" not in parts


def test_no_module_is_over_800_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted(ROOT.rglob("*.py")) if _counted(path)
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


# --- the app shape (docs/architecture.md, "App shape") ----------------------------------------------

# Every domain app has these (directories end in "/"; "templates/<app>/" is the app's own folder).
REQUIRED = ("__init__.py", "apps.py", "models.py", "migrations/__init__.py", "services.py", "selectors.py",
            "schemas.py", "api.py", "views.py", "urls.py", "templates/<app>/", "tests/__init__.py")
# Core is the shared kernel, not a domain app: no services of its own, the pieces every app uses.
CORE_REQUIRED = ("__init__.py", "apps.py", "registry.py", "db.py", "money.py", "calendar.py", "text.py",
                 "pagination.py", "errors.py", "schemas.py", "templatetags/guanxi.py", "tests/__init__.py")
# Directories under guanxi/ that are not apps.
NOT_APPS = {"testing", "locale", "__pycache__"}


def missing_files(app: Path, required: tuple[str, ...]) -> list[str]:
    return [name for name in required
            if not (app / name.replace("<app>", app.name)).exists()
            or (name.endswith("/") and not (app / name.replace("<app>", app.name)).is_dir())]


def test_every_app_has_the_files_of_the_app_shape() -> None:
    apps = [path for path in sorted(ROOT.iterdir()) if path.is_dir() and path.name not in NOT_APPS]
    assert {path.name for path in apps if not (path / "apps.py").exists()} == set()
    missing = {
        app.name: found for app in apps
        if (found := missing_files(app, CORE_REQUIRED if app.name == "core" else REQUIRED))
    }
    assert missing == {}


def test_every_app_is_installed() -> None:
    installed = set(django_settings.INSTALLED_APPS)
    apps = {f"guanxi.{path.name}" for path in ROOT.iterdir() if (path / "apps.py").exists()}
    assert apps - installed == set()


def test_the_shape_check_names_what_is_missing(tmp_path: Path) -> None:
    app = tmp_path / "shop"
    (app / "templates" / "shop").mkdir(parents=True)
    for name in ("__init__.py", "apps.py", "models.py", "views.py"):
        (app / name).write_text("")
    assert missing_files(app, REQUIRED) == ["migrations/__init__.py", "services.py", "selectors.py", "schemas.py",
                                            "api.py", "urls.py", "tests/__init__.py"]
