"""config/har.yaml, as installed, agrees with the nodes' config dataclasses.

Runs everywhere (no launch tools needed): every key is a parameter the node
declares, every declared parameter is listed (or shown commented where ROS
cannot type an empty list), the shipped values validate, and node keys are
namespace wildcards so the file applies under any `namespace:=`.
"""

import dataclasses
import re

import pytest
import yaml

from har_ros.action.node_config import ActionNodeConfig
from har_ros.cell.node_config import FusionNodeConfig
from har_ros.nodes.rig_publisher import RigPublisherConfig
from har_ros.nodes.video_publisher import VideoPublisherConfig
from har_ros.pose.node_config import PoseNodeConfig
from har_ros.resources import share_file
from har_ros.safety.guard import SpeedGuardConfig
from har_ros.safety.node_config import SafetyNodeConfig

CONFIG = share_file("config", "har.yaml")
NODE_CONFIGS = {"video_publisher": VideoPublisherConfig, "pose_node": PoseNodeConfig,
                "action_node": ActionNodeConfig, "safety_node": SafetyNodeConfig,
                "speed_guard": SpeedGuardConfig, "person_fusion": FusionNodeConfig,
                "rig_publisher": RigPublisherConfig}


def test_node_keys_apply_in_any_namespace():
    assert set(yaml.safe_load(CONFIG.read_text())) == {f"/**/{n}" for n in NODE_CONFIGS}


@pytest.mark.parametrize("node", list(NODE_CONFIGS))
def test_har_yaml_lists_exactly_the_declared_parameters(node):
    config = yaml.safe_load(CONFIG.read_text())[f"/**/{node}"]["ros__parameters"]
    declared = {f.name for f in dataclasses.fields(NODE_CONFIGS[node])}
    assert set(config) <= declared, f"{node}: not declared by the node: {set(config) - declared}"
    commented = set(re.findall(r"^\s+# (\w+): \[", CONFIG.read_text(), re.M))
    assert declared <= set(config) | commented, f"{node}: missing: {declared - set(config)}"
    values = {**{f.name: f.default for f in dataclasses.fields(NODE_CONFIGS[node])},
              **{k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}}
    NODE_CONFIGS[node](**values).validate()  # the shipped values are valid
