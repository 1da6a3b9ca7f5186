"""Pose node config: defaults valid, bad values refused with the reason."""

import dataclasses

import pytest

from har_ros.pose.node_config import PoseNodeConfig


def test_defaults_are_valid():
    PoseNodeConfig().validate()


@pytest.mark.parametrize(
    "change, match",
    [
        ({"backend": "openpose"}, "backend must be one of"),
        ({"input_width": 250}, "multiple of 32"),
        ({"output_layout": "utd_kinect20"}, "cannot convert"),
        ({"floor_homography": (1.0, 2.0)}, "9 finite"),
        ({"tracker_max_cost": 0.0}, "max_cost"),
        ({"tracker_min_hits": 0}, "min_hits"),
        ({"min_person_score": 1.5}, "min_person_score"),
    ],
)
def test_bad_values_are_refused(change, match):
    with pytest.raises(ValueError, match=match):
        dataclasses.replace(PoseNodeConfig(), **change).validate()
