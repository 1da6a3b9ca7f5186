"""The launch file and config/har.yaml agree with the package (read with ast and yaml).

`launch` cannot be installed on these machines, so the launch file is checked
statically: every executable it starts is a console_scripts entry point that
imports, the parameter file it names exists, every launch argument it reads
is declared, every parameter it sets is one the node declares, and
config/har.yaml lists exactly the parameters each node declares.
"""

import ast
import dataclasses
import importlib
import re
from pathlib import Path

import pytest
import yaml

from har_ros.action.node_config import ActionNodeConfig
from har_ros.nodes.video_publisher import VideoPublisherConfig
from har_ros.pose.node_config import PoseNodeConfig
from har_ros.safety.node_config import SafetyNodeConfig

PACKAGE = Path(__file__).resolve().parents[2]
LAUNCH = PACKAGE / "launch" / "har.launch.py"
CONFIG = PACKAGE / "config" / "har.yaml"
NODE_CONFIGS = {"video_publisher": VideoPublisherConfig, "pose_node": PoseNodeConfig,
                "action_node": ActionNodeConfig, "safety_node": SafetyNodeConfig}


def calls(tree, name):
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and
            getattr(n.func, "id", None) == name]


def keyword(call, name):
    return next((k.value for k in call.keywords if k.arg == name), None)


def console_scripts() -> dict[str, str]:
    tree = ast.parse((PACKAGE / "setup.py").read_text())
    entries = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                re.fullmatch(r"[\w-]+ = [\w.]+:\w+", node.value):
            name, target = node.value.split(" = ")
            entries[name] = target
    return entries


def test_every_executable_is_an_importable_entry_point():
    tree = ast.parse(LAUNCH.read_text())
    scripts = console_scripts()
    nodes = calls(tree, "Node")
    assert len(nodes) == 4
    for call in nodes:
        executable = keyword(call, "executable").value
        assert executable in scripts, f"{executable} is not a console_scripts entry point"
        module, func = scripts[executable].split(":")
        assert callable(getattr(importlib.import_module(module), func))
        assert keyword(call, "name").value in NODE_CONFIGS


def test_parameter_file_exists_and_is_installed():
    text = LAUNCH.read_text()
    assert '"config", "har.yaml"' in text and CONFIG.is_file()
    assert '(f"share/{PACKAGE}/config", glob("config/*"))' in (PACKAGE / "setup.py").read_text()


def test_launch_arguments_are_declared_before_use():
    tree = ast.parse(LAUNCH.read_text())
    declared = {c.args[0].value for c in calls(tree, "DeclareLaunchArgument")}
    used = {n.args[0].value for n in ast.walk(tree) if isinstance(n, ast.Call) and
            getattr(n.func, "id", None) == "config" and n.args}
    assert used <= declared, used - declared
    assert {"image", "depth", "camera_info", "params_file", "model_path", "pose_backend",
            "namespace", "use_sim_time", "nodes"} <= declared


def test_parameters_set_in_the_launch_file_exist():
    tree = ast.parse(LAUNCH.read_text())
    for call in calls(tree, "Node"):
        node = keyword(call, "name").value
        names = {f.name for f in dataclasses.fields(NODE_CONFIGS[node])} | {"use_sim_time"}
        for d in ast.walk(keyword(call, "parameters")):
            if isinstance(d, ast.Dict):
                keys = {k.value for k in d.keys if isinstance(k, ast.Constant)}
                assert keys <= names, f"{node}: unknown parameters {keys - names}"


@pytest.mark.parametrize("node", list(NODE_CONFIGS))
def test_har_yaml_lists_exactly_the_declared_parameters(node):
    config = yaml.safe_load(CONFIG.read_text())
    assert set(config) == set(NODE_CONFIGS)
    keys = set(config[node]["ros__parameters"])
    declared = {f.name for f in dataclasses.fields(NODE_CONFIGS[node])}
    assert keys <= declared, f"{node}: not declared by the node: {keys - declared}"
    commented = set(re.findall(r"^\s+# (\w+): \[", CONFIG.read_text(), re.M))
    assert declared <= keys | commented, f"{node}: missing from har.yaml: {declared - keys}"
    values = {**{f.name: f.default for f in dataclasses.fields(NODE_CONFIGS[node])},
              **{k: tuple(v) if isinstance(v, list) else v
                 for k, v in config[node]["ros__parameters"].items()}}
    NODE_CONFIGS[node](**values).validate()  # the shipped values are valid
