"""Writing and reading rosbag2 (mcap) files of serialised ROS messages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rosbags.interfaces import Qos
from rosbags.rosbag2 import Reader, StoragePlugin, Writer

from .typestore import project_typestore


class BagError(ValueError):
    """A bag is missing, corrupt or cannot be written; the text says why."""


@dataclass(frozen=True)
class BagMessage:
    topic: str
    msgtype: str
    timestamp_ns: int
    data: bytes  # CDR


#: rosbag2 metadata version written. Humble, Jazzy and Kilted all read 8; version 9
#: (Kilted) stores ``offered_qos_profiles`` as a YAML sequence with policy names,
#: which Humble's reader (it reads the field as one string of integer policies) and
#: Jazzy's cannot read.
METADATA_VERSION = 8


class BagWriter:
    """Adds topics lazily and writes CDR bytes; ros2 bag (Humble to Kilted) reads the result."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.exists():
            raise BagError(f"{self.path} exists; choose a new output path")
        self._writer = Writer(
            self.path, version=METADATA_VERSION, storage_plugin=StoragePlugin.MCAP
        )
        self._writer.open()
        self._connections: dict[str, object] = {}
        self.count = 0

    def add_topic(self, topic: str, msgtype: str, offered_qos: Sequence[Qos] = ()) -> None:
        """Declare a topic with the QoS its publishers offered (ros2 bag play offers it again)."""
        if topic not in self._connections:
            self._connections[topic] = self._writer.add_connection(
                topic,
                msgtype,
                typestore=project_typestore(),
                offered_qos_profiles=list(offered_qos),
            )

    def write(self, topic: str, msgtype: str, timestamp_ns: int, data: bytes) -> None:
        self.add_topic(topic, msgtype)
        self._writer.write(self._connections[topic], int(timestamp_ns), bytes(data))
        self.count += 1

    def write_message(self, topic: str, msgtype: str, timestamp_ns: int, message) -> None:
        from rclpy.serialization import serialize_message

        self.write(topic, msgtype, timestamp_ns, serialize_message(message))

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> BagWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_bag(path: str | Path, topics: list[str] | None = None) -> Iterator[BagMessage]:
    """Messages in timestamp order; BagError for a missing or corrupt bag."""
    path = Path(path)
    if not path.exists():
        raise BagError(f"bag not found: {path}")
    try:
        with Reader(path) as reader:
            connections = [c for c in reader.connections if not topics or c.topic in topics]
            for connection, timestamp, data in reader.messages(connections=connections):
                yield BagMessage(connection.topic, connection.msgtype, timestamp, bytes(data))
    except BagError:
        raise
    except Exception as exc:  # rosbags raises its own errors for bad metadata or storage
        raise BagError(f"cannot read bag {path}: {exc}") from exc


def bag_topics(path: str | Path) -> dict[str, str]:
    try:
        with Reader(Path(path)) as reader:
            return {c.topic: c.msgtype for c in reader.connections}
    except Exception as exc:
        raise BagError(f"cannot read bag {path}: {exc}") from exc
