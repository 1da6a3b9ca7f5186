"""Body-tracking bags as other tools write them: every storage, metadata version and compression.

rosbags writes metadata versions 8 and 9; the older ones are made as the
recorders of their time left them: ``metadata.yaml`` without the fields a
later version added, and for version 4 (Foxy) a sqlite3 file without the
schema and message-definition tables, messages in Foxy's Marker layout.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import yaml
from rosbags.rosbag2 import CompressionFormat, CompressionMode, StoragePlugin, Writer
from rosbags.typesys import Stores, get_typestore

from har_ros.skeleton.layouts import K4ABT32

TOPIC = "/body_tracking_data"
INFO_TOPIC = "/depth/camera_info"
FRAME = "depth_camera_link"
K = [504.0, 0.0, 320.0, 0.0, 504.0, 288.0, 0.0, 0.0, 1.0]
START_NS = 1_700_000_000_000_000_000


def body_joints(t: float, body: int = 1, x: float = 0.0) -> np.ndarray:
    """A standing body's 32 joints (metres, depth optical frame, 2 m away), the right arm waving."""
    rng = np.random.default_rng(body)
    rest = rng.uniform(-0.25, 0.25, (K4ABT32.num_joints, 3)) + np.array([x, 0.0, 2.0])
    rest[K4ABT32.index("right_wrist"), 1] -= 0.3 * np.sin(2 * np.pi * t)
    return rest


def default_message(store, msgtype: str, **values):
    """A message of ``msgtype`` with every field zero or empty, as ROS constructs one."""
    _, fields = store.fielddefs[msgtype]
    kwargs = {}
    for name, (kind, detail) in fields:
        if name in values:
            kwargs[name] = values[name]
        elif kind.name == "NAME":
            kwargs[name] = default_message(store, detail)
        elif kind.name == "BASE":
            kwargs[name] = {"string": "", "bool": False}.get(detail[0], 0)
            if detail[0] in ("float32", "float64"):
                kwargs[name] = 0.0
        elif kind.name == "SEQUENCE":
            kwargs[name] = [] if detail[0][0].name == "NAME" else np.array([], _np_type(detail[0]))
        else:  # ARRAY
            (inner, size) = detail
            kwargs[name] = (
                [default_message(store, inner[1]) for _ in range(size)]
                if inner[0].name == "NAME"
                else np.zeros(size, _np_type(inner))
            )
    return store.types[msgtype](**kwargs)


def _np_type(base):
    name = base[1][0] if isinstance(base[1], tuple) else base[1]
    return {"uint8": np.uint8, "octet": np.uint8, "int8": np.int8, "float32": np.float32}.get(
        name, np.float64
    )


def marker_array(store, stamp_ns: int, bodies: dict[int, np.ndarray], frame: str = FRAME):
    """One array of the driver: a SPHERE per joint, id = body * 100 + joint."""
    t = store.types
    sec, nanosec = divmod(stamp_ns, 1_000_000_000)
    header = t["std_msgs/msg/Header"](
        stamp=t["builtin_interfaces/msg/Time"](sec=sec, nanosec=nanosec), frame_id=frame
    )
    markers = []
    for body, xyz in bodies.items():
        for joint, (x, y, z) in enumerate(xyz):
            pose = default_message(
                store,
                "geometry_msgs/msg/Pose",
                position=t["geometry_msgs/msg/Point"](x=float(x), y=float(y), z=float(z)),
            )
            markers.append(
                default_message(
                    store,
                    "visualization_msgs/msg/Marker",
                    header=header,
                    id=body * 100 + joint,
                    type=2,
                    pose=pose,
                )
            )
    return t["visualization_msgs/msg/MarkerArray"](markers=markers)


def camera_info(store, stamp_ns: int):
    t = store.types
    sec, nanosec = divmod(stamp_ns, 1_000_000_000)
    header = t["std_msgs/msg/Header"](
        stamp=t["builtin_interfaces/msg/Time"](sec=sec, nanosec=nanosec), frame_id=FRAME
    )
    return default_message(
        store,
        "sensor_msgs/msg/CameraInfo",
        header=header,
        width=640,
        height=576,
        distortion_model="plumb_bob",
        d=np.zeros(5),
        k=np.array(K),
    )


def frames_of(seconds: float, fps: float = 15.0, bodies=(1,)) -> list[tuple[int, dict]]:
    """(stamp, {body: joints}) of ``seconds`` of tracking at ``fps``."""
    out = []
    for i in range(round(seconds * fps)):
        t = i / fps
        out.append(
            (
                START_NS + round(t * 1e9),
                {b: body_joints(t, b, x=0.6 * k) for k, b in enumerate(bodies)},
            )
        )
    return out


def write_bag(
    path: Path,
    frames: list[tuple[int, dict]],
    storage: str = "sqlite3",
    version: int = 8,
    compression: str = "none",
    distro: str = "ROS2_KILTED",
    split_bodies: bool = False,
    camera: bool = True,
) -> Path:
    """A body-tracking bag as a recorder of ``version`` (4..9) leaves it.

    ``compression``: none, file or message (zstd); ``split_bodies``: each body of
    a frame in an array of its own, as some trackers publish.
    """
    store = get_typestore(getattr(Stores, distro))
    writer = Writer(
        path,
        version=9 if version == 9 else 8,
        storage_plugin=StoragePlugin.MCAP if storage == "mcap" else StoragePlugin.SQLITE3,
    )
    if compression != "none":
        mode = CompressionMode.FILE if compression == "file" else CompressionMode.MESSAGE
        writer.set_compression(mode, CompressionFormat.ZSTD)
    with writer:
        markers = writer.add_connection(
            TOPIC, "visualization_msgs/msg/MarkerArray", typestore=store
        )
        info = writer.add_connection(INFO_TOPIC, "sensor_msgs/msg/CameraInfo", typestore=store)
        for stamp, bodies in frames:
            if camera:
                writer.write(
                    info, stamp, store.serialize_cdr(camera_info(store, stamp), info.msgtype)
                )
            groups = [{b: xyz} for b, xyz in bodies.items()] if split_bodies else [bodies]
            for group in groups:
                msg = marker_array(store, stamp, group)
                writer.write(markers, stamp, store.serialize_cdr(msg, markers.msgtype))
    if version < 8:
        downgrade(path, version)
    return path


#: the metadata fields each version added (reader.py of rosbags lists the history)
_ADDED = {5: ("files",), 6: ("custom_data",), 8: ("ros_distro",)}


def downgrade(path: Path, version: int) -> None:
    """Make a version-8 bag look as a recorder of ``version`` left it."""
    meta_path = path / "metadata.yaml"
    meta = yaml.safe_load(meta_path.read_text())
    info = meta["rosbag2_bagfile_information"]
    info["version"] = version
    for since, fields in _ADDED.items():
        if version < since:
            for field in fields:
                info.pop(field, None)
    if version < 7:
        for topic in info["topics_with_message_count"]:
            topic["topic_metadata"].pop("type_description_hash", None)
    if version == 4:
        (db,) = path.glob("*.db3")
        _foxy_sqlite(db)
    meta_path.write_text(yaml.safe_dump(meta))


def _foxy_sqlite(db: Path) -> None:
    """Foxy's sqlite3 layout: topics and messages only, no type definitions."""
    con = sqlite3.connect(db)
    con.executescript(
        """
        DROP TABLE schema; DROP TABLE metadata; DROP TABLE message_definitions;
        CREATE TABLE topics_old(id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL,
            serialization_format TEXT NOT NULL, offered_qos_profiles TEXT NOT NULL);
        INSERT INTO topics_old SELECT id, name, type, serialization_format, offered_qos_profiles
            FROM topics;
        DROP TABLE topics; ALTER TABLE topics_old RENAME TO topics;
        """
    )
    con.commit()
    con.close()


def moved(path: Path, new_parent: Path) -> Path:
    """The bag as a user copies it: metadata still names the recorder's own folder."""
    meta_path = path / "metadata.yaml"
    meta = yaml.safe_load(meta_path.read_text())
    info = meta["rosbag2_bagfile_information"]
    info["relative_file_paths"] = [
        f"{path.name}_recorded/{Path(p).name}" for p in info["relative_file_paths"]
    ]
    meta_path.write_text(yaml.safe_dump(meta))
    target = new_parent / path.name
    shutil.move(path, target)
    return target
