"""The shape of the package: stages that import only the stages before them, no import
cycle, no module too long to read.

Imports are read with `ast`, never by importing: at module level and inside functions
alike, except under `if TYPE_CHECKING:` (annotations only, never run).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"
MAX_LINES = 500
# The pipeline, in order: a stage may import the stages before it and the modules at
# the top of the package, never a stage after it.
STAGES = ("source", "newsroom", "index", "render", "output", "engine", "preview")
# Modules at the top that wire the stages together, rather than sit beneath them.
WIRING = {"generator.cli", "generator.__main__"}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module
    line: int
    local: bool  # inside a function


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def read_imports(name: str, path: Path, known: set[str]) -> list[Import]:
    """Every import of one of our modules in `path`, but those only for type checkers."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and _is_type_checking(block.test)
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    local = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if node is not function
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        for target in _targets(node, name, path, known):
            found.append(Import(name, target, node.lineno, id(node) in local))  # type: ignore[attr-defined]
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.AST, name: str, path: Path, known: set[str]) -> list[str]:
    """The modules of ours an import statement loads: `from a import b` loads `a.b`
    when that is a module, else `a`."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in known]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:  # relative: from the importing module's package
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    found = []
    for alias in node.names:
        module = f"{base}.{alias.name}"
        if module in known:
            found.append(module)
        elif base in known:
            found.append(base)
    return found


def all_imports() -> list[Import]:
    found = modules()
    known = set(found)
    return [i for name, path in found.items() for i in read_imports(name, path, known)]


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle among the modules, as the path that closes it; None when there is none."""
    done: set[str] = set()
    for start in sorted(edges):
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack = [(start, iter(sorted(edges.get(start, ()))))]
        path.append(start)
        on_path.add(start)
        while stack:
            node, following = stack[-1]
            step = next(following, None)
            if step is None:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
            elif step in on_path:
                return [*path[path.index(step) :], step]
            elif step not in done:
                stack.append((step, iter(sorted(edges.get(step, ())))))
                path.append(step)
                on_path.add(step)
    return None


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in STAGES else None


# -- the rules --------------------------------------------------------------------------


def test_no_module_imports_another_that_imports_it_back() -> None:
    edges: dict[str, set[str]] = {}
    for found in all_imports():
        if found.target != found.source:
            edges.setdefault(found.source, set()).add(found.target)
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_over_500_lines(name: str) -> None:
    lines = modules()[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it by responsibility"


def test_each_stage_imports_only_the_stages_before_it() -> None:
    wrong = []
    for found in all_imports():
        source, target = stage_of(found.source), stage_of(found.target)
        if source is None and found.source not in WIRING and target is not None:
            wrong.append(f"{found.source}:{found.line} (the package's base) imports {found.target}")
        elif source and target and STAGES.index(target) > STAGES.index(source):
            wrong.append(f"{found.source}:{found.line} imports a later stage: {found.target}")
    assert not wrong, "\n".join(wrong)


def test_only_the_cli_imports_inside_functions() -> None:
    """A function-local import hides a dependency (and a cycle); the CLI's are there so
    that `digest new` does not load the build, nor `digest build` the server."""
    hidden = [
        f"{i.source}:{i.line} imports {i.target} inside a function"
        for i in all_imports()
        if i.local and i.source != "generator.cli"
    ]
    assert not hidden, "\n".join(hidden)


# -- the checker itself ---------------------------------------------------------------


def test_a_cycle_is_found_and_shown_as_a_path() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(edges) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_imports_are_read_inside_functions_but_not_for_type_checkers(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "from generator.engine import cache\n"
        "if TYPE_CHECKING:\n"
        "    from generator.engine.build import Builder\n"
        "def f():\n"
        "    from generator.render.plan import plan_site\n"
        "    import generator.model\n",
        encoding="utf-8",
    )
    known = {"generator.engine", "generator.engine.cache", "generator.engine.build",
             "generator.render.plan", "generator.model"}  # fmt: skip
    found = read_imports("generator.x", path, known)
    assert [(i.target, i.local) for i in found] == [
        ("generator.engine.cache", False),
        ("generator.render.plan", True),
        ("generator.model", True),
    ]
