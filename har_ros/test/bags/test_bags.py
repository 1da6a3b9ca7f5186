"""rosbag2 writing/reading, labelled bag datasets, and record -> replay with no loss."""

import time

import pytest

from har_msgs.msg import SkeletonArray
from har_ros.action.loaders import load_spec
from har_ros.action.synth import make_stream
from har_ros.bags import recordings  # noqa: F401 (registers the bag: kind)
from har_ros.bags.io import BagError, bag_topics, read_bag
from har_ros.bags.scenario import write_skeleton_scenario, write_video_bag
from har_ros.ros.graph import spin_until, spin_while_progressing, wait_for_publishers
from har_ros.ros.stamps import stamp_to_ns


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("bags") / "scenario"
    frames = make_stream(people=2, seconds=6, seed=4)
    write_skeleton_scenario(frames, 30.0, path)
    return path, frames


def test_scenario_bag_has_every_frame_and_ground_truth(scenario):
    path, frames = scenario
    assert bag_topics(path) == {"/skeletons": "har_msgs/msg/SkeletonArray"}
    messages = list(read_bag(path))
    assert len(messages) == len(frames)
    stamps = [m.timestamp_ns for m in messages]
    assert stamps == sorted(stamps)
    data = load_spec(f"bag:{path}")
    assert set(data.subjects.tolist()) == {1, 2} and data.layout.name == "coco17"


def test_bag_metadata_is_rosbag2_mcap(scenario):
    import yaml

    path, _ = scenario
    meta = yaml.safe_load((path / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    assert meta["storage_identifier"] == "mcap" and meta["version"] >= 8
    topic = meta["topics_with_message_count"][0]["topic_metadata"]
    assert topic["type"] == "har_msgs/msg/SkeletonArray" and topic["serialization_format"] == "cdr"


def test_metadata_is_version_8_as_humble_jazzy_and_kilted_read_it(tmp_path):
    """Humble and Jazzy read offered_qos_profiles as one YAML string of integer policies.

    Version 9 writes a sequence of policy names there, which they cannot read.
    """
    import yaml
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
    from rosbags.rosbag2 import Reader

    from har_ros.bags.io import BagWriter
    from har_ros.bags.record import bag_qos

    offered = bag_qos(
        QoSProfile(
            depth=5,
            reliability=ReliabilityPolicy.RELIABLE,
            durability=DurabilityPolicy.TRANSIENT_LOCAL,
        )
    )
    with BagWriter(tmp_path / "bag") as writer:
        writer.add_topic("/speed_scaling", "std_msgs/msg/Float64", [offered])
        writer.write("/speed_scaling", "std_msgs/msg/Float64", 1, bytes(16))
        writer.write("/other", "std_msgs/msg/Float64", 2, bytes(16))  # added on first write
    meta = yaml.safe_load((tmp_path / "bag" / "metadata.yaml").read_text())
    info = meta["rosbag2_bagfile_information"]
    assert info["version"] == 8 and info["storage_identifier"] == "mcap"
    assert info["relative_file_paths"] and info["files"][0]["message_count"] == 2
    topics = {
        t["topic_metadata"]["name"]: t["topic_metadata"] for t in info["topics_with_message_count"]
    }
    assert all(isinstance(t["offered_qos_profiles"], str) for t in topics.values())
    (profile,) = yaml.safe_load(topics["/speed_scaling"]["offered_qos_profiles"])
    assert (
        profile["history"],
        profile["depth"],
        profile["reliability"],
        profile["durability"],
    ) == (1, 5, 1, 1)  # keep_last, reliable, transient_local
    assert set(profile["deadline"]) == {"sec", "nsec"}
    assert yaml.safe_load(topics["/other"]["offered_qos_profiles"]) in (None, [])
    with Reader(tmp_path / "bag") as reader:  # a version-9-era reader reads 8 as well
        by_topic = {c.topic: c for c in reader.connections}
        assert list(by_topic["/speed_scaling"].ext.offered_qos_profiles) == [offered]


def test_corrupt_and_missing_bags_give_one_clear_error(scenario, tmp_path):
    with pytest.raises(BagError, match="not found"):
        list(read_bag(tmp_path / "none"))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "metadata.yaml").write_text("not: [a bag")
    with pytest.raises(BagError, match="cannot read bag"):
        list(read_bag(broken))
    path, _ = scenario
    truncated = tmp_path / "truncated"
    truncated.mkdir()
    (truncated / "metadata.yaml").write_text((path / "metadata.yaml").read_text())
    mcap = next(path.glob("*.mcap"))
    (truncated / mcap.name).write_bytes(mcap.read_bytes()[: mcap.stat().st_size // 3])
    with pytest.raises(BagError):
        list(read_bag(truncated))


def test_video_bag(tmp_path):
    from har_ros.assets import AssetError, asset_path

    try:
        video = str(asset_path("sports2d_demo.mp4"))
    except AssetError as exc:
        pytest.skip(str(exc))
    assert write_video_bag(video, tmp_path / "video", frames=5) == 5
    assert bag_topics(tmp_path / "video") == {
        "/image": "sensor_msgs/msg/Image",
        "/camera_info": "sensor_msgs/msg/CameraInfo",
    }


@pytest.mark.graph
def test_record_then_replay_loses_nothing(ros_node, processes, scenario, tmp_path, topic_prefix):
    path, frames = scenario
    # 1. replay the scenario bag (separate process) while `har record` records it
    recorded = tmp_path / "recorded"
    recorder = processes.start(
        "record", "/skeletons", "-o", str(recorded), "--duration", "14", module="har_ros.cli.main"
    )
    time.sleep(0.5)
    replayer = processes.start("replay", str(path), "--wait", "10", module="har_ros.cli.main")
    spin_until(ros_node, lambda: recorder.poll() is not None, timeout=40, what="the recorder")
    assert replayer.wait(timeout=10) == 0 and recorder.returncode == 0
    assert len(list(read_bag(recorded))) == len(frames), processes.output(recorder)
    from rosbags.rosbag2 import Reader

    with Reader(recorded) as reader:  # the replayer's offered QoS, as ros2 bag record keeps it
        offered = reader.connections[0].ext.offered_qos_profiles
    assert offered and all(q.reliability.name == "RELIABLE" for q in offered), offered
    # 2. replay the recorded bag into a subscriber: every message arrives, in order. A
    # topic of its own: the replayer waits for a subscriber, and the finished recorder's
    # reader on /skeletons may still be in the graph.
    received = []
    sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", received.append, 1000
    )
    # --wait 60: the replayer starts once it sees the subscriber (at once on a quiet
    # machine); a shorter wait let it publish before slow discovery had matched us.
    processes.start(
        "replay",
        str(recorded),
        "--rate",
        "2.0",
        "--wait",
        "60",
        "--remap-prefix",
        topic_prefix,
        module="har_ros.cli.main",
    )
    wait_for_publishers(ros_node, sub, timeout=60)
    spin_while_progressing(
        ros_node,
        lambda: len(received) >= len(frames),
        lambda: len(received),
        f"every message ({len(frames)})",
    )
    stamps = [stamp_to_ns(m.header.stamp) for m in received]
    assert stamps == sorted(stamps) and len(received) == len(frames)
