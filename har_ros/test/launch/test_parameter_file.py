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
from har_ros.pose.body_tracker_config import BodyTrackerConfig
from har_ros.pose.node_config import PoseNodeConfig
from har_ros.resources import share_file
from har_ros.safety.guard import SpeedGuardConfig
from har_ros.safety.node_config import SafetyNodeConfig

CONFIG = share_file("config", "har.yaml")
NODE_CONFIGS = {
    "video_publisher": VideoPublisherConfig,
    "pose_node": PoseNodeConfig,
    "body_tracker_node": BodyTrackerConfig,
    "action_node": ActionNodeConfig,
    "safety_node": SafetyNodeConfig,
    "speed_guard": SpeedGuardConfig,
    "person_fusion": FusionNodeConfig,
    "rig_publisher": RigPublisherConfig,
}


def test_node_keys_apply_in_any_namespace():
    assert set(yaml.safe_load(CONFIG.read_text())) == {f"/**/{n}" for n in NODE_CONFIGS}


@pytest.mark.parametrize("node", list(NODE_CONFIGS))
def test_har_yaml_lists_exactly_the_declared_parameters(node):
    config = yaml.safe_load(CONFIG.read_text())[f"/**/{node}"]["ros__parameters"]
    declared = {f.name for f in dataclasses.fields(NODE_CONFIGS[node])}
    assert set(config) <= declared, f"{node}: not declared by the node: {set(config) - declared}"
    commented = set(re.findall(r"^\s+# (\w+): \[", CONFIG.read_text(), re.M))
    assert declared <= set(config) | commented, f"{node}: missing: {declared - set(config)}"
    values = {
        **{f.name: f.default for f in dataclasses.fields(NODE_CONFIGS[node])},
        **{k: tuple(v) if isinstance(v, list) else v for k, v in config.items()},
    }
    NODE_CONFIGS[node](**values).validate()  # the shipped values are valid


def _documented_entries() -> dict[tuple[str, str], tuple[str, object]]:
    """(node, parameter) -> (its comment, its value); a commented-out list keeps its example."""
    entries, node, comment = {}, "", []
    for line in CONFIG.read_text().splitlines():
        if header := re.match(r"^/\*\*/(\w+):", line):
            node, comment = header.group(1), []
        elif example := re.match(r"^\s+# (\w+): (\[.*?\])", line):
            entries[(node, example.group(1))] = (
                " ".join(comment),
                yaml.safe_load(example.group(2)),
            )
            comment = []
        elif text := re.match(r"^\s+#\s?(.*)$", line):
            comment.append(text.group(1))
        elif entry := re.match(r"^\s+(\w+):\s*(\S.*)$", line):
            entries[(node, entry.group(1))] = (" ".join(comment), yaml.safe_load(entry.group(2)))
            comment = []
    return entries


@pytest.mark.parametrize("node", list(NODE_CONFIGS))
def test_har_yaml_shows_the_dataclass_defaults_and_descriptions(node):
    """The file is the dataclasses written out: same defaults, comments that start alike."""
    entries = _documented_entries()
    for f in dataclasses.fields(NODE_CONFIGS[node]):
        comment, value = entries[(node, f.name)]
        assert comment.startswith(f.metadata["description"]), (
            f"{node}.{f.name}: the comment must start with the field's description "
            f"{f.metadata['description']!r}, not {comment!r}"
        )
        if f.default != ():  # a commented-out list shows an example instead
            shipped = tuple(value) if isinstance(value, list) else value
            assert shipped == f.default, f"{node}.{f.name}: {shipped!r} is not the default"


@pytest.mark.parametrize("node", list(NODE_CONFIGS))
def test_commented_list_examples_are_valid_values(node):
    """An example the file shows for an unset list is a value the node would accept."""
    examples = {
        name: tuple(value)
        for (n, name), (_, value) in _documented_entries().items()
        if n == node
        and isinstance(value, list)
        and re.search(rf"^\s+# {name}: \[", CONFIG.read_text(), re.M)
    }
    for name, value in examples.items():
        NODE_CONFIGS[node](**{name: value}).validate()


@pytest.mark.parametrize("node", list(NODE_CONFIGS))
def test_every_number_parameter_has_limits_its_default_meets(node):
    """Found and fixed: 1e300 s passed every check, then a conversion to ns ended the node."""
    import typing

    from har_ros.common.config import require_within_limits

    hints = typing.get_type_hints(NODE_CONFIGS[node])
    unbounded = [
        f.name
        for f in dataclasses.fields(NODE_CONFIGS[node])
        if hints[f.name] in (int, float) and f.metadata.get("limits") is None
    ]
    assert not unbounded, f"{node}: {unbounded} have no limits"
    require_within_limits(NODE_CONFIGS[node]())


@pytest.mark.parametrize(
    ("node", "name"),
    [
        ("person_fusion", "rate_hz"),
        ("action_node", "rate_hz"),
        ("video_publisher", "rate"),
        ("rig_publisher", "rate"),
        ("safety_node", "ramp_down_rate"),
    ],
)
def test_a_tiny_positive_rate_is_refused(node, name):
    """Found in review: 1e-300 passed a lower limit of 0 and a check of > 0.

    A timer period of 1e300 s then overflowed (or a slow-down never came).
    """
    from har_ros.common.config import require_within_limits

    config = dataclasses.replace(NODE_CONFIGS[node](), **{name: 1e-300})
    with pytest.raises(ValueError, match=name):
        require_within_limits(config)
        config.validate()
