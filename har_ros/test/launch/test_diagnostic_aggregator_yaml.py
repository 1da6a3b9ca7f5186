"""config/diagnostic_aggregator.yaml: well formed, and every har_ros status in one group.

diagnostic_aggregator is C++ and cannot be built here, so its file is checked
for the structure the aggregator reads; test/nodes/test_cell_pipeline.py checks
the names the running cell really publishes.
"""

import pytest
import yaml
from diagnostic_analyzers import MATCH_KEYS, analyzers_taking, shipped_analyzers

from har_ros.resources import share_file


def test_every_analyzer_is_a_generic_analyzer_with_a_path_and_a_match():
    params = yaml.safe_load(share_file("config", "diagnostic_aggregator.yaml").read_text())
    assert isinstance(params["analyzers"]["ros__parameters"]["path"], str)
    analyzers = shipped_analyzers()
    assert set(analyzers) == {"cameras", "fusion", "action", "safety"}
    for key, analyzer in analyzers.items():
        assert analyzer["type"] == "diagnostic_aggregator/GenericAnalyzer", key
        assert isinstance(analyzer["path"], str) and analyzer["path"], key
        assert analyzer["timeout"] > 0, key
        matchers = {k: analyzer[k] for k in MATCH_KEYS if k in analyzer}
        assert matchers and all(
            isinstance(v, list) and all(isinstance(s, str) for s in v) for v in matchers.values()
        ), (key, matchers)


@pytest.mark.parametrize(
    ("status", "group"),
    [
        ("/cam01/pose_node: pose", "cameras"),
        ("/pose_node: pose", "cameras"),
        ("/person_fusion: fusion", "fusion"),
        ("/cell_a/action_node: action", "action"),
        ("/safety_node: speed and separation monitoring", "safety"),
    ],
)
def test_each_status_is_in_exactly_one_group(status, group):
    assert analyzers_taking(status) == [group]


def test_other_statuses_are_left_to_other_analyzers():
    assert analyzers_taking("/camera/realsense2_camera: temperature") == []
