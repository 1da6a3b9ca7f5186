"""pose_node in its own process: real video in, tracked skeletons out, bad frames survived."""

import collections
import time

import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import CameraInfo, CompressedImage, Image
from std_msgs.msg import Header

from har_msgs.msg import SkeletonArray
from har_ros.ros.depth_sync import message_filters_available
from har_ros.ros.graph import spin_until, wait_for_publishers, wait_for_subscribers
from har_ros.ros.image_msgs import array_to_image
from har_ros.ros.stamps import ns_to_stamp, stamp_to_ns

pytestmark = pytest.mark.graph


def send_until_answered(ros_node, pub, msg, stamp: int, arrays: list) -> None:
    """Publish ``msg`` until a SkeletonArray with its stamp arrives.

    Best effort: a frame sent right after matching can be lost, so it is sent again.
    """

    def answered() -> bool:
        return any(stamp_to_ns(a.header.stamp) == stamp for a in arrays)

    deadline = time.monotonic() + 15
    while not answered():
        assert time.monotonic() < deadline, f"no skeletons for the frame stamped {stamp}"
        pub.publish(msg)
        end = time.monotonic() + 0.5
        spin_until(ros_node, lambda e=end: time.monotonic() > e or answered(), 1.0, "a frame")


def start_pose_node(processes, ns):
    return processes.start("--ros-args", "-r", f"__ns:={ns}", module="har_ros.nodes.pose_node")


def test_video_to_skeletons_with_matching_stamps_and_stable_ids(
    ros_node, processes, topic_prefix, demo_video
):
    skeletons, image_stamps = [], set()
    sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", skeletons.append, 100
    )
    ros_node.create_subscription(
        Image,
        f"{topic_prefix}/image",
        lambda m: image_stamps.add(stamp_to_ns(m.header.stamp)),
        qos_profile_sensor_data,
    )
    start_pose_node(processes, topic_prefix)
    wait_for_publishers(ros_node, sub, timeout=20)
    video = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-p",
        f"video:={demo_video}",
        "-p",
        "rate:=10.0",
        "-p",
        "max_frames:=100",
        module="har_ros.nodes.video_publisher",
    )
    spin_until(ros_node, lambda: video.poll() is not None, timeout=60, what="the video to end")
    # Frames sent before DDS matched the pose node's subscription are lost; the rest count.
    spin_until(ros_node, lambda: len(skeletons) >= 40, timeout=10, what="skeletons")
    assert video.returncode == 0

    stamps = [stamp_to_ns(m.header.stamp) for m in skeletons]
    assert stamps == sorted(set(stamps)), "one array per frame, in order"
    # The probe may match the camera later than the pose node did: compare from then on.
    checkable = {s for s in stamps if s >= min(image_stamps)}
    assert len(checkable) >= 30 and checkable <= image_stamps, "arrays carry image stamps"
    assert all(m.header.frame_id == "camera_color_optical_frame" for m in skeletons)
    assert all((m.image_width, m.image_height) == (640, 360) for m in skeletons)
    # Ids are stable: two people in the clip, so at most one re-birth on top of two ids,
    # and the walker seen most keeps one id for most of the clip.
    counts = collections.Counter(
        s.track_id for m in skeletons for s in m.skeletons if s.track_id >= 0
    )
    assert len(counts) <= 3, f"too many ids for a clip with two people: {counts}"
    assert counts.most_common(1)[0][1] >= 0.5 * len(skeletons), counts
    assert all(
        len(s.keypoints) == 17 and s.layout == "coco17" for m in skeletons for s in m.skeletons
    )


def test_black_frame_gives_an_empty_array_and_bad_frames_are_counted(
    ros_node, processes, topic_prefix
):
    arrays, diagnostics = [], []
    sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", arrays.append, 10
    )
    ros_node.create_subscription(DiagnosticArray, "/diagnostics", diagnostics.append, 10)
    pub = ros_node.create_publisher(Image, f"{topic_prefix}/image", qos_profile_sensor_data)
    start_pose_node(processes, topic_prefix)
    wait_for_publishers(ros_node, sub, timeout=20)
    wait_for_subscribers(ros_node, pub, timeout=20)

    black = array_to_image(
        np.zeros((240, 320, 3), np.uint8),
        "rgb8",
        Header(stamp=ns_to_stamp(1_000_000_000), frame_id="cam"),
    )
    bad_step = array_to_image(np.zeros((240, 320, 3), np.uint8), "rgb8", Header(frame_id="cam"))
    bad_step.step = 100
    bad_encoding = array_to_image(np.zeros((240, 320, 3), np.uint8), "rgb8", Header())
    bad_encoding.encoding = "yuv422_weird"

    def malformed_count():
        for d in reversed(diagnostics):
            for status in d.status:
                if "pose" in status.name and status.hardware_id == "har_ros":
                    return int({kv.key: kv.value for kv in status.values}["malformed"])
        return None

    def publish_until(msg, condition, what):
        # Best effort: a frame sent right after matching can be lost, so send it again.
        deadline = time.monotonic() + 15
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            pub.publish(msg)
            end = time.monotonic() + 0.5
            spin_until(ros_node, lambda e=end: condition() or time.monotonic() > e, 1.0, what)

    publish_until(bad_step, lambda: (malformed_count() or 0) >= 1, "malformed >= 1")
    first = malformed_count()
    publish_until(bad_encoding, lambda: malformed_count() > first, "another malformed")
    assert not arrays, "a malformed frame must not produce an array"
    publish_until(black, lambda: bool(arrays), "the black frame's array")
    assert all(a.skeletons == [] for a in arrays)
    assert all(stamp_to_ns(a.header.stamp) == 1_000_000_000 for a in arrays)


@pytest.mark.parametrize(
    "sync",
    [
        "builtin",
        pytest.param(
            "message_filters",
            marks=pytest.mark.skipif(
                not message_filters_available(),
                reason="message_filters is not built here (make "
                "setup builds it from ../shared/ros2_extras when that folder exists)",
            ),
        ),
    ],
)
def test_aligned_depth_gives_the_person_distance(ros_node, processes, topic_prefix, sync):
    import skimage.data

    rgb = skimage.data.astronaut()  # one person, 512x512
    height, width = rgb.shape[:2]
    distance_m = 2.5
    arrays = []
    sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", arrays.append, 10
    )
    pubs = {
        name: ros_node.create_publisher(kind, f"{topic_prefix}/{name}", qos_profile_sensor_data)
        for name, kind in (("image", Image), ("depth", Image), ("camera_info", CameraInfo))
    }
    node = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-p",
        "use_depth:=true",
        "-p",
        f"depth_sync:={sync}",
        module="har_ros.nodes.pose_node",
    )
    wait_for_publishers(ros_node, sub, timeout=20)
    for pub in pubs.values():
        wait_for_subscribers(ros_node, pub, timeout=20)
    info = CameraInfo(
        width=width, height=height, k=[500.0, 0.0, width / 2, 0.0, 500.0, height / 2, 0.0, 0.0, 1.0]
    )
    depth_mm = np.full((height, width), distance_m * 1000, np.uint16)

    def located():
        return [s for a in arrays for s in a.skeletons if s.position_valid]

    deadline = time.monotonic() + 20
    frame = 0
    while not located():
        assert time.monotonic() < deadline, "no skeleton with a depth position"
        frame += 1
        header = Header(stamp=ns_to_stamp(frame * 100_000_000), frame_id="camera")
        info.header = header
        pubs["camera_info"].publish(info)
        pubs["depth"].publish(array_to_image(depth_mm, "16UC1", header))
        soon = time.monotonic() + 0.05  # depth first, as a driver usually sends it
        spin_until(ros_node, lambda e=soon: time.monotonic() > e, 1.0, "depth delivery")
        pubs["image"].publish(array_to_image(rgb, "rgb8", header))
        end = time.monotonic() + 0.2
        spin_until(ros_node, lambda e=end: time.monotonic() > e, 1.0, "the frame")
    skeleton = located()[0]
    assert skeleton.position_source == skeleton.POSITION_DEPTH
    assert skeleton.position_frame_id == "camera"
    assert abs(skeleton.position.z - distance_m) <= 0.05 * distance_m
    assert f"depth paired with colour by {sync}" in processes.output(node)


def test_compressed_jpeg_and_png_frames_and_corrupt_bytes(
    ros_node, processes, topic_prefix, demo_video
):
    """image_transport:=compressed: real JPEG/PNG frames in, skeletons out; junk is counted."""
    import cv2

    capture = cv2.VideoCapture(demo_video)
    frames = []
    while len(frames) < 20:
        ok, bgr = capture.read()
        assert ok
        frames.append(cv2.resize(bgr, (640, 360)))
    arrays, diagnostics = [], []
    sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", arrays.append, 50
    )
    ros_node.create_subscription(DiagnosticArray, "/diagnostics", diagnostics.append, 50)
    pub = ros_node.create_publisher(
        CompressedImage, f"{topic_prefix}/camera/image_raw/compressed", qos_profile_sensor_data
    )
    processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-r",
        "image:=camera/image_raw",
        "-p",
        "image_transport:=compressed",
        module="har_ros.nodes.pose_node",
    )
    wait_for_publishers(ros_node, sub, timeout=20)
    wait_for_subscribers(ros_node, pub, timeout=20)
    sent = {}
    for i, bgr in enumerate(frames):
        fmt, extension = ("jpeg", ".jpg") if i % 2 else ("png", ".png")
        stamp = (i + 1) * 100_000_000
        sent[stamp] = fmt
        msg = CompressedImage(format=fmt, data=cv2.imencode(extension, bgr)[1].tobytes())
        msg.header = Header(stamp=ns_to_stamp(stamp), frame_id="camera")
        send_until_answered(ros_node, pub, msg, stamp, arrays)
    junk = CompressedImage(format="jpeg", data=b"\xff\xd8\xff not a jpeg")
    junk.header = Header(stamp=ns_to_stamp(99_000_000_000), frame_id="camera")
    pub.publish(junk)

    def malformed_counted():
        return any(
            v.key == "malformed" and int(v.value) >= 1
            for d in diagnostics
            for s in d.status
            if "pose" in s.name
            for v in s.values
        )

    spin_until(ros_node, malformed_counted, 10.0, "the corrupt frame in /diagnostics")
    stamps = {stamp_to_ns(a.header.stamp) for a in arrays}
    assert stamps == set(sent), "every decodable frame gives one array, the junk none"
    assert all((a.image_width, a.image_height) == (640, 360) for a in arrays)
    assert {sent[stamp_to_ns(a.header.stamp)] for a in arrays if a.skeletons} == {"jpeg", "png"}


def test_reconfiguration_keeps_ids_and_refuses_read_only(
    ros_node, processes, topic_prefix, demo_video
):
    """input_width changed mid-clip: the tracker survives, no id goes to two people."""
    import cv2
    from rcl_interfaces.srv import SetParameters
    from rclpy.parameter import Parameter

    from har_ros.ros.graph import call_service

    capture = cv2.VideoCapture(demo_video)
    arrays = []
    sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", arrays.append, 50
    )
    pub = ros_node.create_publisher(Image, f"{topic_prefix}/image", qos_profile_sensor_data)
    start_pose_node(processes, topic_prefix)
    client = ros_node.create_client(SetParameters, f"{topic_prefix}/pose_node/set_parameters")
    wait_for_publishers(ros_node, sub, timeout=20)
    wait_for_subscribers(ros_node, pub, timeout=20)
    spin_until(ros_node, client.service_is_ready, 20.0, "the parameter service")

    def send(frames: int, first_stamp: int) -> list[set[int]]:
        """The confirmed ids of each frame sent."""
        seen = []
        for i in range(frames):
            ok, bgr = capture.read()
            assert ok
            stamp = first_stamp + i * 33_000_000
            msg = array_to_image(
                cv2.resize(bgr, (640, 360)),
                "bgr8",
                Header(stamp=ns_to_stamp(stamp), frame_id="camera"),
            )
            send_until_answered(ros_node, pub, msg, stamp, arrays)
            seen.append(
                {
                    s.track_id
                    for a in arrays
                    if stamp_to_ns(a.header.stamp) == stamp
                    for s in a.skeletons
                    if s.track_id > 0
                }
            )
        return seen

    def set_param(name, value):
        return call_service(
            ros_node,
            client,
            SetParameters.Request(parameters=[Parameter(name, value=value).to_parameter_msg()]),
        ).results[0]

    before = set().union(*send(30, 1_000_000_000))
    assert before
    assert set_param("input_width", 320).successful
    refused = set_param("use_depth", True)
    assert not refused.successful and "read-only" in refused.reason
    frames_after = send(30, 3_000_000_000)
    # A rebuilt tracker would need tracker_min_hits frames before giving any id (and would
    # start again at 1): the kept one names the walkers in the very first frame.
    assert frames_after[0] and frames_after[0] <= before, (frames_after[0], before)
    after = set().union(*frames_after)
    assert all(i in before or i > max(before) for i in after), "an id was handed out twice"


def test_self_checks_name_zero_camera_info_slow_camera_and_depth_units(
    ros_node, processes, topic_prefix
):
    """The three set-up mistakes, each named in /diagnostics while it lasts."""
    import skimage.data

    rgb = skimage.data.astronaut()
    height, width = rgb.shape[:2]
    messages = []
    ros_node.create_subscription(
        DiagnosticArray,
        "/diagnostics",
        lambda d: messages.extend(
            s.message for s in d.status if s.name == f"{topic_prefix}/pose_node: pose"
        ),
        50,
    )
    pubs = {
        name: ros_node.create_publisher(kind, f"{topic_prefix}/{name}", qos_profile_sensor_data)
        for name, kind in (("image", Image), ("depth", Image), ("camera_info", CameraInfo))
    }
    processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-p",
        "use_depth:=true",
        "-p",
        "expected_rate:=30.0",
        module="har_ros.nodes.pose_node",
    )
    for pub in pubs.values():
        wait_for_subscribers(ros_node, pub, timeout=20)
    frame = [0]

    def send_until(k: list[float], depth: np.ndarray, named: str) -> None:
        deadline = time.monotonic() + 30
        while not any(named in m for m in messages[-2:]):
            assert time.monotonic() < deadline, f"{named!r} not in {messages[-3:]}"
            frame[0] += 1
            header = Header(stamp=ns_to_stamp(frame[0] * 200_000_000), frame_id="camera")
            pubs["camera_info"].publish(CameraInfo(header=header, width=width, height=height, k=k))
            pubs["depth"].publish(array_to_image(depth, "32FC1", header))
            pubs["image"].publish(array_to_image(rgb, "rgb8", header))
            end = time.monotonic() + 0.2  # 5 Hz: well under half the expected 30
            spin_until(ros_node, lambda e=end: time.monotonic() > e, 1.0, "the frame")

    metres = np.full((height, width), 2.5, np.float32)
    send_until([0.0] * 9, metres, "camera_info K is all zeros")
    assert any("expected 30 Hz" in m for m in messages[-2:]), messages[-2:]
    good_k = [500.0, 0.0, width / 2, 0.0, 500.0, height / 2, 0.0, 0.0, 1.0]
    send_until(good_k, metres * 1000, "depth units wrong")  # millimetres sent as metres
    assert not any("all zeros" in m for m in messages[-1:])  # fixed: no longer named


def test_detect_every_publishes_every_frame_with_the_predicted_ones_marked(
    ros_node, processes, topic_prefix, demo_video
):
    """detect_every 2: an array for each frame; on every second one everyone is predicted."""
    import cv2

    capture = cv2.VideoCapture(demo_video)
    arrays = []
    sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", arrays.append, 50
    )
    pub = ros_node.create_publisher(Image, f"{topic_prefix}/image", qos_profile_sensor_data)
    processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-p",
        "detect_every:=2",
        module="har_ros.nodes.pose_node",
    )
    wait_for_publishers(ros_node, sub, timeout=20)
    wait_for_subscribers(ros_node, pub, timeout=20)
    capture.set(cv2.CAP_PROP_POS_FRAMES, 40)  # both walkers in view
    for index in range(12):
        ok, bgr = capture.read()
        assert ok
        # 30 fps: two frames are 67 ms apart, inside half the coast time (0.15 s); at
        # 10 fps the node would detect every frame (the bound on detect_every)
        stamp = (index + 1) * 33_333_333
        msg = array_to_image(
            cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB),
            "rgb8",
            Header(stamp=ns_to_stamp(stamp), frame_id="camera"),
        )
        send_until_answered(ros_node, pub, msg, stamp, arrays)
    frames = arrays[2:]  # in the order processed (a frame sent twice was processed twice)
    assert len(frames) >= 10 and all(f.skeletons for f in frames), "someone seen on each"
    # detected: someone detected (a missed person may be coasted beside them)
    kinds = ["predicted" if all(s.predicted for s in f.skeletons) else "detected" for f in frames]
    # the node's first frame is detected, then every second one: the others predicted
    assert kinds[::2] == ["detected"] * len(kinds[::2]), kinds
    assert kinds[1::2] == ["predicted"] * len(kinds[1::2]), kinds
