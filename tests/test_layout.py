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


# The tracking path, bottom to top: each part may import only the parts listed before it (and
# itself). Everything else (vot, datasets, evaluation, training, bench) sits above and is never
# imported by these.
TRACKING_PATH = ["errors", "nets", "core", "zoo", "config"]


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_the_tracking_path_imports_one_way():
    for path in PACKAGE.rglob("*.py"):
        part = part_of(module_name(path))
        if part not in TRACKING_PATH:
            continue
        allowed = set(TRACKING_PATH[:TRACKING_PATH.index(part) + 1])
        for imported in imports_of(path):
            target = part_of(imported) if imported != "tracker" else "__init__"
            assert target in allowed, (f"{module_name(path)} ({part}) imports {imported}; "
                                       f"{part} may import only {sorted(allowed)}")


def test_the_public_entry_point_imports_only_the_tracking_path():
    for imported in imports_of(PACKAGE / "__init__.py"):
        assert part_of(imported) in TRACKING_PATH, imported


def test_loading_and_running_a_tracker_never_imports_the_research_or_vot_parts(tmp_path):
    """At run time too: a process that loads and runs a tracker holds only tracker-path modules."""
    import subprocess
    import sys
    script = (
        "import sys, numpy as np\n"
        "from tracker import load_tracker\n"
        "from tracker.zoo.standin_weights import write_checkpoint\n"
        f"w = write_checkpoint(__import__('pathlib').Path({str(tmp_path)!r}), 'siamrpn_alex_dwxcorr')\n"
        f"t = load_tracker({str(REPO / 'models/siamrpn_alex_dwxcorr/config.yaml')!r}, weights=w)\n"
        "image = np.full((240, 320, 3), 90, np.uint8)\n"
        "t.init(image, (100, 100, 40, 30)); t.track(image)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('tracker'))))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=REPO).stdout.split()
    outside = [m for m in out if part_of(m) not in TRACKING_PATH + ["__init__"]]
    assert out and not outside, outside
