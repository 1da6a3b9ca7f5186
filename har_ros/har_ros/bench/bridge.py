"""body_tracker_node's own work per tracker frame: serialised markers in, SkeletonArray out.

Per frame of ``bodies`` tracked people (32 joint markers each, as the Azure
Kinect driver sends them): decoding the serialised MarkerArray, grouping,
fresh ids, projection through camera_info and building the SkeletonArray,
i.e. what the bridge adds between the driver and the action and safety
nodes (DDS transport excluded, as in the other suites). ``decode`` says how
the MarkerArray is decoded: rosbags' CDR reader (the node's) or rclpy's.
"""

from __future__ import annotations

import gc
import time

import numpy as np

from .stats import summarise

TARGET_MS = 1.0  # p99 for 5 bodies (the goal)
FRAMES = 300


def _array(stamp_ns: int, bodies: int, rng: np.random.Generator):
    from ..ros.body_markers import marker_array

    return marker_array(
        stamp_ns,
        "depth_camera_link",
        {
            body: rng.uniform(-0.3, 0.3, (32, 3)) + np.array([0.7 * body - 1.4, 0.0, 3.0])
            for body in range(bodies)
        },
    )


def frame_times(
    bodies: int, frames: int = FRAMES, seed: int = 0, decode: str = "rosbags", frozen: bool = False
) -> list[float]:
    """Seconds per frame of the bridge's path, one array per frame as the driver sends.

    ``frozen``: what the process holds is first moved out of the garbage
    collector's scans (:func:`freeze_start_up`, as ``run_nodes`` does once its
    nodes exist).
    """
    from rclpy.serialization import deserialize_message, serialize_message
    from visualization_msgs.msg import MarkerArray

    from ..ros.body_markers import decode_marker_array, joint_markers
    from ..ros.skeleton_msgs import frame_to_msg
    from ..ros.spin import freeze_start_up
    from ..skeleton.body_tracker import (
        NOMINAL_CAMERA,
        BodyFrameAssembler,
        TrackIds,
        skeleton_frame,
    )

    rng = np.random.default_rng(seed)
    arrays = [
        serialize_message(_array(10**18 + i * 33_000_000, bodies, rng)) for i in range(frames + 1)
    ]
    assembler, ids = BodyFrameAssembler(), TrackIds(0.5)
    samples = []
    if frozen:
        freeze_start_up()
    try:
        for i, data in enumerate(arrays):
            started = time.perf_counter()
            array = (
                decode_marker_array(data)
                if decode == "rosbags"
                else deserialize_message(data, MarkerArray)
            )
            for frame in assembler.add(joint_markers(array), float(i), 0):
                tracks = ids.assign(frame.bodies, frame.stamp_ns * 1e-9)
                frame_to_msg(skeleton_frame(frame, tracks, NOMINAL_CAMERA, 1.0))
            if i:  # the first array completes no frame yet
                samples.append(time.perf_counter() - started)
    finally:
        gc.unfreeze()
    return samples


def run(trials: int = 10, **_) -> list[dict]:
    rows = []
    cases = (
        (1, "rosbags", True),
        (5, "rosbags", True),
        (5, "rosbags", False),
        (5, "rclpy", True),
        (10, "rosbags", True),
    )
    for bodies, decode, frozen in cases:
        samples = [
            t
            for trial in range(max(1, trials // 5))
            for t in frame_times(bodies, seed=trial, decode=decode, frozen=frozen)
        ]
        rows.append(
            {
                "bench": "bridge",
                "case": f"{bodies} bodies, one MarkerArray per frame, decoded by {decode}"
                + ("" if frozen else ", start-up objects not frozen"),
                **summarise(samples),
                "target": f"p99 <= {TARGET_MS:g} ms"
                if (bodies, decode, frozen) == (5, "rosbags", True)
                else "",
            }
        )
    return rows
