"""`har bench pipeline --profile`: every node's stages in CPU ms per frame, adding up."""

import json

import pytest

pytestmark = [pytest.mark.graph, pytest.mark.slow]


def test_the_pipeline_profile_names_each_nodes_stages_and_what_is_left(har):
    done = har("bench", "pipeline", "--profile", "--json", "--trials", "3", timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [r for r in json.loads(done.stdout)["rows"] if r["case"].startswith("profile ")]
    by_node: dict[str, dict[str, float]] = {}
    for row in rows:
        node, stage = row["case"].removeprefix("profile ").split(": ")
        by_node.setdefault(node, {})[stage] = row["cpu_ms_per_frame"]
        assert row["frames"] > 0
    assert set(by_node) == {"pose_node", "action_node", "safety_node"}
    assert {"inference", "tracking", "decode", "message", "publish"} <= set(by_node["pose_node"])
    assert "action_step" in by_node["action_node"] and "decide" in by_node["safety_node"]
    for node, stages in by_node.items():
        total = stages.pop("process total")
        assert total > 0 and sum(stages.values()) == pytest.approx(total, rel=0.02), node
    assert by_node["pose_node"]["inference"] > by_node["pose_node"]["tracking"]


def test_profile_is_refused_where_it_does_not_apply(har):
    done = har("bench", "action", "--profile")
    assert done.returncode == 2 and "--profile applies to pipeline and cell" in done.stderr
