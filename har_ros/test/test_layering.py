"""The import picture: ROS-free packages stay ROS-free, arrows point one way, no circles.

Read from the installed package's own source (every import, also those inside
functions), so a new arrow fails here before anyone trips over it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import har_ros

ROOT = Path(har_ros.__file__).parent
#: No rclpy, no messages, nothing above them: unit-tested without a ROS graph.
PURE = {"skeleton", "pose", "action", "cell", "safety", "common", "demo", "runtime"}
ROS_MODULES = {
    "rclpy",
    "har_msgs",
    "sensor_msgs",
    "std_msgs",
    "geometry_msgs",
    "diagnostic_msgs",
    "visualization_msgs",
    "tf2_ros",
    "message_filters",
}
#: Packages only the command line (and launch files) may import.
TOP = {"cli", "bench"}


def _imports() -> dict[str, set[str]]:
    """Package (first part under har_ros) -> every module name it imports."""
    out: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        package = parts[0]
        found = out.setdefault(package, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    found.add(node.module or "")
                    continue
                base = ["har_ros", *parts[:-1]][: len(parts) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                found.add(module)
                found.update(f"{module}.{a.name}" for a in node.names)
    return out


def _har_packages(modules: set[str]) -> set[str]:
    return {m.split(".")[1] for m in modules if m.startswith("har_ros.") and "." in m}


IMPORTS = _imports()


def test_pure_packages_never_import_ros_or_anything_above_them():
    for package in PURE:
        modules = IMPORTS.get(package, set())
        ros = sorted(m for m in modules if m.split(".")[0] in ROS_MODULES)
        above = sorted(_har_packages(modules) & {"ros", "nodes", "bags", "labelling", *TOP})
        assert not ros and not above, f"{package}/ imports {ros + above}"


def test_only_the_command_line_imports_cli_and_bench():
    for package, modules in IMPORTS.items():
        if package in TOP:
            continue
        assert not _har_packages(modules) & TOP, f"{package}/ imports {TOP}"
    assert "cli" not in _har_packages(IMPORTS["bench"]), "bench/ imports cli/"


def test_ros_helpers_never_import_nodes():
    assert "nodes" not in _har_packages(IMPORTS["ros"])


def test_no_circle_between_packages():
    graph = {p: _har_packages(m) - {p} for p, m in IMPORTS.items()}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    circles = sorted(p for p in graph if reaches(p, p, {p}))
    assert not circles, f"packages in an import circle: {circles}"
