"""A rosbags type store that knows ROS 2 Kilted's types and the project's own messages."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rosbags.typesys import Stores, get_types_from_msg, get_typestore

from ..resources import share_file


def _msg_dir() -> Path:
    return share_file("msg", package="har_msgs")


@cache
def project_typestore():
    store = get_typestore(Stores.ROS2_KILTED)
    types = {}
    for path in sorted(_msg_dir().glob("*.msg")):
        types.update(get_types_from_msg(path.read_text(), f"har_msgs/msg/{path.stem}"))
    if not types:
        raise FileNotFoundError(f"no har_msgs .msg files in {_msg_dir()}")
    store.register(types)
    return store


def message_class(type_name: str):
    """The rclpy class of 'pkg/msg/Name'."""
    import importlib

    package, kind, name = type_name.split("/")
    return getattr(importlib.import_module(f"{package}.{kind}"), name)
