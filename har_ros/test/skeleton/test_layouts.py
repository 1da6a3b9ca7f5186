"""Known and custom skeleton layouts."""

import pytest

from har_ros.skeleton.layouts import (
    BLAZEPOSE33,
    COCO17,
    K4ABT32,
    KNOWN_LAYOUTS,
    NTU25,
    OPENPOSE18,
    Layout,
    LayoutError,
    canonical_joint,
    get_layout,
)


@pytest.mark.parametrize("layout", list(KNOWN_LAYOUTS.values()), ids=list(KNOWN_LAYOUTS))
def test_known_layouts_are_consistent(layout):
    assert (
        layout.num_joints
        == {
            "coco17": 17,
            "openpose18": 18,
            "blazepose33": 33,
            "utd_kinect20": 20,
            "k4abt32": 32,
            "ntu25": 25,
        }[layout.name]
    )
    perm = layout.mirror_permutation
    assert sorted(perm) == list(range(layout.num_joints))
    assert [perm[p] for p in perm] == list(range(layout.num_joints))  # an involution
    assert layout.hip_joints and layout.shoulder_joints


def test_mirror_swaps_left_and_right():
    perm = COCO17.mirror_permutation
    assert perm[COCO17.index("left_wrist")] == COCO17.index("right_wrist")
    assert perm[COCO17.index("nose")] == COCO17.index("nose")
    assert OPENPOSE18.mirror_permutation[OPENPOSE18.index("neck")] == OPENPOSE18.index("neck")


def test_unknown_layout_names_the_known_ones():
    with pytest.raises(LayoutError, match="coco17"):
        get_layout("coco18")


def test_custom_layout_round_trips_and_is_validated():
    custom = Layout("arm3", ("shoulder", "elbow", "wrist"), ((0, 1), (1, 2)))
    assert Layout.from_dict(custom.to_dict()) == custom
    with pytest.raises(LayoutError, match="bad bone"):
        Layout("bad", ("a", "b"), ((0, 2),))
    with pytest.raises(LayoutError, match="unique"):
        Layout("dup", ("a", "a"), ())
    with pytest.raises(LayoutError, match="malformed"):
        Layout.from_dict({"name": "x", "joints": ["a"]})


def test_body_tracker_layouts_are_trees_of_their_sdks():
    """Every joint but the root has one parent: the SDK's hierarchy, not a guess."""
    for layout in (K4ABT32, NTU25):
        children = [a for a, _ in layout.bones]
        assert len(layout.bones) == layout.num_joints - 1
        assert sorted(children) == sorted(set(range(layout.num_joints)) - {0})
    assert K4ABT32.index("hip_center") == 0  # the SDK's PELVIS, in our words
    assert K4ABT32.joints[26:28] == ("head", "nose")
    assert NTU25.index("shoulder_center") == 20  # NTU's joint 21, "spine shoulder"
    assert K4ABT32.mirror_permutation[K4ABT32.index("left_handtip")] == K4ABT32.index(
        "right_handtip"
    )


def test_blazepose_has_the_coco_joints():
    assert all(joint in BLAZEPOSE33.joints for joint in COCO17.joints)


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("RShoulder", "right_shoulder"),
        ("shoulder_r", "right_shoulder"),
        ("R_SHOULDER", "right_shoulder"),
        ("right shoulder", "right_shoulder"),
        ("LeftHip", "left_hip"),
        ("l_ankle", "left_ankle"),
        ("Pelvis", "hip_center"),
        ("MidHip", "hip_center"),
        ("left_hip", "left_hip"),
        ("belly", "belly"),
    ],
)
def test_joint_names_in_other_words_are_understood(name, canonical):
    assert canonical_joint(name) == canonical


def test_a_custom_layout_in_its_own_words_gives_hips_shoulders_and_mirror_twins():
    layout = Layout(
        "puppet15",
        ("Neck", "Belly", "Face", "RShoulder", "LShoulder", "RHip", "LHip", "RElbow", "LElbow"),
        ((0, 1), (0, 2), (0, 3), (0, 4), (1, 5), (1, 6), (3, 7), (4, 8)),
    )
    assert layout.hip_joints == [6, 5]  # left, right
    assert layout.shoulder_joints == [4, 3]
    assert layout.mirror_permutation == [0, 1, 2, 4, 3, 6, 5, 8, 7]
    assert Layout("plain", ("a", "b"), ((0, 1),)).hip_joints == []
