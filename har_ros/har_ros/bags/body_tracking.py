"""Bags of a camera's own body tracking (visualization_msgs/MarkerArray) -> skeleton frames.

Reads what a user already recorded from the Azure Kinect / Orbbec Femto
driver: rosbag2 directories in sqlite3 or mcap storage, metadata versions 4
to 9, zstd file or message compression, metadata naming the recorder's own
folder (all through rosbags). A bag without message definitions (Foxy-era,
metadata version 4) is decoded with the first ROS 2 distro's
visualization_msgs whose decoding gives back the very bytes recorded:
Foxy's Marker lacks the texture fields Humble added. No rclpy is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..ros.body_markers import MARKER_ARRAY, camera_model, joint_markers
from ..skeleton.body_tracker import (
    FORGET_S,
    NOMINAL_CAMERA,
    BodyFrame,
    BodyFrameAssembler,
    CameraModel,
    JointMarker,
    TrackIds,
    skeleton_frame,
)
from ..skeleton.layouts import K4ABT32
from ..skeleton.types import SkeletonFrame
from .io import BagError

CAMERA_INFO = "sensor_msgs/msg/CameraInfo"
#: Distros whose message definitions decode a bag that carries none, newest first.
FALLBACK_DISTROS = ("ROS2_KILTED", "ROS2_HUMBLE", "ROS2_FOXY")


def is_bag_dir(path: Path) -> bool:
    return (path / "metadata.yaml").is_file()


def tracker_topics(path: str | Path) -> tuple[str, str] | None:
    """(MarkerArray topic, its camera_info topic or "") of a body-tracking bag, else None."""
    from .io import bag_topics

    topics = bag_topics(path)
    arrays = sorted(t for t, kind in topics.items() if kind == MARKER_ARRAY)
    if not arrays:
        return None
    infos = sorted(t for t, kind in topics.items() if kind == CAMERA_INFO)
    return arrays[0], infos[0] if infos else ""


def has_body_tracking(path: str | Path) -> bool:
    """True when the bag at ``path`` holds a MarkerArray topic."""
    return tracker_topics(path) is not None


def _fallback_typestore(path: Path, msgtype: str):
    """The distro whose ``msgtype`` decodes and re-encodes the bag's messages exactly.

    Judged on the first few messages with markers: an empty array reads the
    same in every distro.
    """
    from rosbags.interfaces import MessageDefinitionFormat
    from rosbags.rosbag2 import Reader
    from rosbags.typesys import Stores, get_typestore

    with Reader(path) as reader:
        connections = [c for c in reader.connections if c.msgtype == msgtype]
        if not connections or any(
            c.msgdef.format != MessageDefinitionFormat.NONE for c in connections
        ):
            return None  # nothing to decode, or the bag's own definitions decode it
        samples = []
        for _, _, raw in reader.messages(connections=connections):
            if len(raw) > 8:  # more than a header and an empty sequence
                samples.append(bytes(raw))
                if len(samples) == 3:
                    break
    tried = []
    for name in FALLBACK_DISTROS:
        store = get_typestore(getattr(Stores, name))
        try:
            if all(
                bytes(store.serialize_cdr(store.deserialize_cdr(raw, msgtype), msgtype)) == raw
                for raw in samples
            ):
                return store
        except Exception as exc:  # rosbags raises assorted errors for a layout that differs
            tried.append(f"{name}: {exc}")
            continue
        tried.append(f"{name}: decodes to other bytes")
    raise BagError(f"{path}: no known {msgtype} definition decodes its messages ({tried})")


@dataclass
class MarkerArrayMessage:
    timestamp_ns: int  # when it was recorded
    markers: list[JointMarker]


def read_body_tracking(
    path: str | Path, topic: str | None = None
) -> tuple[list[MarkerArrayMessage], CameraModel | None]:
    """Every MarkerArray of ``topic`` (the only one when None) and the first camera_info.

    BagError names the bag and what is wrong: missing, corrupt, no or several
    MarkerArray topics, a type no definition decodes.
    """
    from rosbags.highlevel import AnyReader

    path = Path(path)
    if not is_bag_dir(path):
        raise BagError(f"{path} is not a rosbag2 directory (no metadata.yaml)")
    try:
        store = _fallback_typestore(path, MARKER_ARRAY)
        with AnyReader([path], default_typestore=store) as reader:
            arrays = [c for c in reader.connections if c.msgtype == MARKER_ARRAY]
            topics = sorted({c.topic for c in arrays})
            if topic is not None:
                arrays = [c for c in arrays if c.topic == topic]
            elif len(topics) > 1:
                raise BagError(f"{path}: several MarkerArray topics {topics}; name one")
            if not arrays:
                raise BagError(
                    f"{path}: no MarkerArray topic{f' {topic!r}' if topic else ''} "
                    f"(MarkerArray topics: {topics})"
                )
            infos = [c for c in reader.connections if c.msgtype == CAMERA_INFO]
            messages, camera = [], None
            for connection, timestamp, raw in reader.messages(connections=arrays + infos):
                msg = reader.deserialize(raw, connection.msgtype)
                if connection.msgtype == CAMERA_INFO:
                    if camera is None:  # as the node does: a bad one is skipped
                        with suppress(ValueError):
                            camera = camera_model(msg)
                    continue
                messages.append(MarkerArrayMessage(timestamp, joint_markers(msg)))
    except BagError:
        raise
    except Exception as exc:  # rosbags' own errors for bad metadata, storage or CDR
        raise BagError(f"cannot read bag {path}: {exc}") from exc
    return messages, camera


def body_frames(messages: list[MarkerArrayMessage]) -> Iterator[BodyFrame]:
    """The tracker's frames, markers grouped by stamp as the bridge groups them."""
    assembler = BodyFrameAssembler()
    for message in messages:
        yield from assembler.add(message.markers, message.timestamp_ns * 1e-9, message.timestamp_ns)
    yield from assembler.flush()


def skeleton_frames(
    path: str | Path,
    topic: str | None = None,
    forget_s: float = FORGET_S,
    joint_score: float = 1.0,
) -> tuple[list[SkeletonFrame], dict[int, int]]:
    """The bag as the bridge would publish it, and per track id the tracker's body id.

    Returns (frames, {track id: body id}): labels of such a bag name the
    tracker's body ids, which the bridge replaces by fresh track ids.
    """
    messages, camera = read_body_tracking(path, topic)
    camera = camera or NOMINAL_CAMERA
    ids = TrackIds(forget_s)
    frames, body_of = [], {}
    for frame in body_frames(messages):
        tracks = ids.assign(frame.bodies, frame.stamp_ns * 1e-9)
        body_of.update({track: body for body, track in tracks.items()})
        frames.append(skeleton_frame(frame, tracks, camera, joint_score, K4ABT32))
    return frames, body_of


def body_tracks(
    path: str | Path, topic: str | None = None, forget_s: float = FORGET_S
) -> dict[int, list[tuple[float, np.ndarray]]]:
    """Per tracker body id, (stamp in s, ``(32, 4)`` x, y, z in metres and score) samples.

    A body id that comes back after ``forget_s`` is the same key: a label
    names a body id for as long as the label lasts.
    """
    messages, _ = read_body_tracking(path, topic)
    tracks: dict[int, list[tuple[float, np.ndarray]]] = {}
    for frame in body_frames(messages):
        for body, xyz in frame.bodies.items():
            present = np.isfinite(xyz).all(axis=1)
            sample = np.zeros((K4ABT32.num_joints, 4), np.float32)
            sample[present, :3] = xyz[present]
            sample[present, 3] = 1.0
            if present.any():
                tracks.setdefault(body, []).append((frame.stamp_ns * 1e-9, sample))
    return tracks
