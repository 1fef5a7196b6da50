"""The package's layout keeps one home for each fact: no import circle, one repository root."""
import ast

from conftest import REPO

PACKAGE = REPO / "tracker"


def module_name(path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path) -> set[str]:
    """tracker.* modules that `path` imports (at any depth: function-level imports count too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.level and node.module else (node.module or base)
            candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found |= {c for c in candidates if c.startswith("tracker")}
    return found


def test_no_import_circle_between_tracker_modules():
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: {m for m in imports_of(path) if m in modules and m != name}
             for name, path in modules.items()}
    # A package's __init__ re-exporting its own submodules is not a circle.
    graph = {name: {m for m in edges if not name.startswith(m + ".")} for name, edges in graph.items()}
    visiting, done = [], set()

    def visit(name):
        if name in done:
            return
        assert name not in visiting, f"import circle: {' -> '.join(visiting[visiting.index(name):] + [name])}"
        visiting.append(name)
        for child in sorted(graph[name]):
            visit(child)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_the_repository_root_and_the_weights_rule_live_in_tracker_paths():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if path.name != "paths.py":
            assert "parents[1]" not in text and '"SIAMMARGIN_WEIGHTS"' not in text, path
