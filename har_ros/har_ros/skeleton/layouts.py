"""Named skeleton layouts: joint order, bones and the joints normalisation needs.

A layout is data, so a dataset or checkpoint can carry a custom one (joint
names + bone list) and the graph model builds its adjacency from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class LayoutError(ValueError):
    """Unknown layout name or an inconsistent custom layout."""


_SIDES = {
    "l": "left",
    "left": "left",
    "lft": "left",
    "r": "right",
    "right": "right",
    "rgt": "right",
}
_CENTRES = {
    "pelvis": "hip_center",
    "root": "hip_center",
    "midhip": "hip_center",
    "mid_hip": "hip_center",
    "hip": "hip_center",
    "hips": "hip_center",
    "hipcenter": "hip_center",
    "hip_centre": "hip_center",
    "neck": "neck",
    "thorax": "neck",
    "spine_shoulder": "shoulder_center",
    "shouldercenter": "shoulder_center",
    "shoulder_centre": "shoulder_center",
}


def canonical_joint(name: str) -> str:
    """A joint name in this project's words (``RShoulder`` -> ``right_shoulder``).

    ``shoulder_r``, ``R_SHOULDER`` and ``right shoulder`` are ``right_shoulder``
    too, and ``pelvis`` is ``hip_center``. So a custom layout (a dataset's own
    names) still gives the hips and shoulders normalisation needs and the
    left/right twins mirroring needs.
    """
    words = re.sub(r"([a-z])([A-Z])", r"\1_\2", name.strip())
    words = re.sub(r"^([LR])([A-Z])", r"\1_\2", words)
    tokens = [t for t in re.split(r"[^a-z0-9]+", words.lower()) if t]
    side = [_SIDES[t] for t in tokens if t in _SIDES]
    rest = [t for t in tokens if t not in _SIDES]
    body = "_".join(rest)
    if len(side) == 1 and rest:
        return f"{side[0]}_{body}"
    return _CENTRES.get(body, body)


@dataclass(frozen=True)
class Layout:
    """Joint order and bones of a skeleton; left/right pairs come from the names."""

    name: str
    joints: tuple[str, ...]
    bones: tuple[tuple[int, int], ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise LayoutError("a layout needs a name")
        if len(set(self.joints)) != len(self.joints) or not self.joints:
            raise LayoutError(f"layout {self.name!r}: joint names must be unique and non-empty")
        n = len(self.joints)
        for a, b in self.bones:
            if not (0 <= a < n and 0 <= b < n) or a == b:
                raise LayoutError(f"layout {self.name!r}: bad bone ({a}, {b}) for {n} joints")
        index = {j: i for i, j in enumerate(self.joints)}
        for i, joint in enumerate(self.joints):  # a dataset's own names, in ours
            index.setdefault(canonical_joint(joint), i)
        object.__setattr__(self, "_index", index)

    @property
    def num_joints(self) -> int:
        return len(self.joints)

    def index(self, joint: str) -> int:
        try:
            return self._index[joint]
        except KeyError:
            raise LayoutError(f"layout {self.name!r} has no joint {joint!r}") from None

    def find(self, *names: str) -> list[int]:
        """Indices of those of ``names`` that the layout has (in its own or our words)."""
        return [self._index[n] for n in names if n in self._index]

    @property
    def mirror_permutation(self) -> list[int]:
        """Joint permutation that swaps every left_* joint with its right_* twin."""
        perm = list(range(self.num_joints))
        for i, name in enumerate(canonical_joint(j) for j in self.joints):
            for a, b in (("left_", "right_"), ("right_", "left_")):
                if name.startswith(a) and (twin := b + name[len(a) :]) in self._index:
                    perm[i] = self._index[twin]
        return perm

    @property
    def hip_joints(self) -> list[int]:
        return self.find("left_hip", "right_hip") or self.find("hip_center")

    @property
    def shoulder_joints(self) -> list[int]:
        return self.find("left_shoulder", "right_shoulder") or self.find("neck", "shoulder_center")

    @property
    def ankle_joints(self) -> list[int]:
        return self.find("left_ankle", "right_ankle")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "joints": list(self.joints),
            "bones": [list(b) for b in self.bones],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Layout:
        try:
            return cls(
                str(data["name"]),
                tuple(str(j) for j in data["joints"]),
                tuple((int(a), int(b)) for a, b in data["bones"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LayoutError(f"malformed layout description: {exc}") from exc


COCO17 = Layout(
    "coco17",
    (
        "nose",
        "left_eye",
        "right_eye",
        "left_ear",
        "right_ear",
        "left_shoulder",
        "right_shoulder",
        "left_elbow",
        "right_elbow",
        "left_wrist",
        "right_wrist",
        "left_hip",
        "right_hip",
        "left_knee",
        "right_knee",
        "left_ankle",
        "right_ankle",
    ),
    (
        (15, 13),
        (13, 11),
        (16, 14),
        (14, 12),
        (11, 12),
        (5, 11),
        (6, 12),
        (5, 6),
        (5, 7),
        (6, 8),
        (7, 9),
        (8, 10),
        (1, 2),
        (0, 1),
        (0, 2),
        (1, 3),
        (2, 4),
        (3, 5),
        (4, 6),
    ),
)

OPENPOSE18 = Layout(
    "openpose18",
    (
        "nose",
        "neck",
        "right_shoulder",
        "right_elbow",
        "right_wrist",
        "left_shoulder",
        "left_elbow",
        "left_wrist",
        "right_hip",
        "right_knee",
        "right_ankle",
        "left_hip",
        "left_knee",
        "left_ankle",
        "right_eye",
        "left_eye",
        "right_ear",
        "left_ear",
    ),
    (
        (1, 2),
        (1, 5),
        (2, 3),
        (3, 4),
        (5, 6),
        (6, 7),
        (1, 8),
        (8, 9),
        (9, 10),
        (1, 11),
        (11, 12),
        (12, 13),
        (1, 0),
        (0, 14),
        (14, 16),
        (0, 15),
        (15, 17),
    ),
)

BLAZEPOSE33 = Layout(
    "blazepose33",
    (
        "nose",
        "left_eye_inner",
        "left_eye",
        "left_eye_outer",
        "right_eye_inner",
        "right_eye",
        "right_eye_outer",
        "left_ear",
        "right_ear",
        "mouth_left",
        "mouth_right",
        "left_shoulder",
        "right_shoulder",
        "left_elbow",
        "right_elbow",
        "left_wrist",
        "right_wrist",
        "left_pinky",
        "right_pinky",
        "left_index",
        "right_index",
        "left_thumb",
        "right_thumb",
        "left_hip",
        "right_hip",
        "left_knee",
        "right_knee",
        "left_ankle",
        "right_ankle",
        "left_heel",
        "right_heel",
        "left_foot_index",
        "right_foot_index",
    ),
    (
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 7),
        (0, 4),
        (4, 5),
        (5, 6),
        (6, 8),
        (9, 10),
        (11, 12),
        (11, 13),
        (13, 15),
        (15, 17),
        (15, 19),
        (15, 21),
        (17, 19),
        (12, 14),
        (14, 16),
        (16, 18),
        (16, 20),
        (16, 22),
        (18, 20),
        (11, 23),
        (12, 24),
        (23, 24),
        (23, 25),
        (24, 26),
        (25, 27),
        (26, 28),
        (27, 29),
        (28, 30),
        (29, 31),
        (30, 32),
        (27, 31),
        (28, 32),
    ),
)

UTD_KINECT20 = Layout(
    "utd_kinect20",
    (
        "head",
        "shoulder_center",
        "spine",
        "hip_center",
        "left_shoulder",
        "left_elbow",
        "left_wrist",
        "left_hand",
        "right_shoulder",
        "right_elbow",
        "right_wrist",
        "right_hand",
        "left_hip",
        "left_knee",
        "left_ankle",
        "left_foot",
        "right_hip",
        "right_knee",
        "right_ankle",
        "right_foot",
    ),
    (
        (0, 1),
        (1, 2),
        (2, 3),
        (1, 4),
        (4, 5),
        (5, 6),
        (6, 7),
        (1, 8),
        (8, 9),
        (9, 10),
        (10, 11),
        (3, 12),
        (12, 13),
        (13, 14),
        (14, 15),
        (3, 16),
        (16, 17),
        (17, 18),
        (18, 19),
    ),
)

# The Azure Kinect Body Tracking SDK's joints, in its order (k4abt_joint_id_t);
# the Orbbec Femto cameras give the same through the K4A wrapper. Bones are the
# SDK's joint hierarchy (each joint to its parent).
K4ABT32 = Layout(
    "k4abt32",
    (
        "pelvis",
        "spine_navel",
        "spine_chest",
        "neck",
        "left_clavicle",
        "left_shoulder",
        "left_elbow",
        "left_wrist",
        "left_hand",
        "left_handtip",
        "left_thumb",
        "right_clavicle",
        "right_shoulder",
        "right_elbow",
        "right_wrist",
        "right_hand",
        "right_handtip",
        "right_thumb",
        "left_hip",
        "left_knee",
        "left_ankle",
        "left_foot",
        "right_hip",
        "right_knee",
        "right_ankle",
        "right_foot",
        "head",
        "nose",
        "left_eye",
        "left_ear",
        "right_eye",
        "right_ear",
    ),
    (
        (1, 0),
        (2, 1),
        (3, 2),
        (4, 2),
        (5, 4),
        (6, 5),
        (7, 6),
        (8, 7),
        (9, 8),
        (10, 7),
        (11, 2),
        (12, 11),
        (13, 12),
        (14, 13),
        (15, 14),
        (16, 15),
        (17, 14),
        (18, 0),
        (19, 18),
        (20, 19),
        (21, 20),
        (22, 0),
        (23, 22),
        (24, 23),
        (25, 24),
        (26, 3),
        (27, 26),
        (28, 26),
        (29, 26),
        (30, 26),
        (31, 26),
    ),
)

# Kinect v2's 25 joints in NTU RGB+D's order (its joint 1 is index 0 here);
# bones are Kinect v2's hierarchy from the spine base.
NTU25 = Layout(
    "ntu25",
    (
        "hip_center",
        "spine",
        "neck",
        "head",
        "left_shoulder",
        "left_elbow",
        "left_wrist",
        "left_hand",
        "right_shoulder",
        "right_elbow",
        "right_wrist",
        "right_hand",
        "left_hip",
        "left_knee",
        "left_ankle",
        "left_foot",
        "right_hip",
        "right_knee",
        "right_ankle",
        "right_foot",
        "shoulder_center",
        "left_handtip",
        "left_thumb",
        "right_handtip",
        "right_thumb",
    ),
    (
        (1, 0),
        (20, 1),
        (2, 20),
        (3, 2),
        (4, 20),
        (5, 4),
        (6, 5),
        (7, 6),
        (8, 20),
        (9, 8),
        (10, 9),
        (11, 10),
        (12, 0),
        (13, 12),
        (14, 13),
        (15, 14),
        (16, 0),
        (17, 16),
        (18, 17),
        (19, 18),
        (21, 7),
        (22, 7),
        (23, 11),
        (24, 11),
    ),
)

KNOWN_LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (COCO17, OPENPOSE18, BLAZEPOSE33, UTD_KINECT20, K4ABT32, NTU25)
}


def get_layout(name: str) -> Layout:
    """The known layout of that name; LayoutError lists the known ones otherwise."""
    try:
        return KNOWN_LAYOUTS[name]
    except KeyError:
        raise LayoutError(
            f"unknown skeleton layout {name!r}; known: {sorted(KNOWN_LAYOUTS)} "
            "(a custom layout must come with its joint names and bones)"
        ) from None


def keypoint_count_problem(layout: str, count: int) -> str | None:
    """Why ``count`` keypoints cannot be a skeleton of ``layout`` (None when they can).

    Only known layouts are checked: a custom layout's size is known to its
    dataset or checkpoint, not here.
    """
    known = KNOWN_LAYOUTS.get(layout)
    if known is None or count == known.num_joints:
        return None
    return f"layout {layout!r} has {known.num_joints} keypoints, the skeleton {count}"
