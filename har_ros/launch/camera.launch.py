"""Start the camera side of a cell, for a camera computer: a pose node per camera.

ros2 launch har_ros camera.launch.py camera:=cam01 image:=/camera/color/image_raw
ros2 launch har_ros camera.launch.py camera:=cam01,cam02      # a box with two cameras

The cell PC runs the rest: ``ros2 launch har_ros cell.launch.py
nodes:=fusion,action,safety``. Each ``pose_node`` runs in namespace
``/<camera>`` and publishes ``/<camera>/skeletons``, the topic the cell
file's camera has and ``person_fusion`` subscribes. ``image`` (and
``camera_info``) remap one camera's driver topics, e.g. a RealSense's
``/camera/color/image_raw``; with several cameras each reads
``/<camera>/image``. Both computers need the same ``ROS_DOMAIN_ID``, a
discovery range that reaches the other (README, "Cameras on other computers")
and clocks in step.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import LifecycleNode
from launch_ros.substitutions import FindPackageShare

from har_ros.runtime.pipeline import CAMERA_POSE_PARAMS

PACKAGE = "har_ros"


def _pose_nodes(context):
    config = LaunchConfiguration
    cameras = [
        c.strip().strip("/")
        for c in config("camera").perform(context).split(",")
        if c.strip().strip("/")
    ]
    if not cameras:
        raise RuntimeError("camera:= names no camera (e.g. camera:=cam01)")
    remaps = [
        (leaf, value)
        for leaf, value in (
            ("image", config("image").perform(context)),
            ("camera_info", config("camera_info").perform(context)),
        )
        if value
    ]
    if remaps and len(cameras) > 1:
        raise RuntimeError(
            f"image/camera_info remap one camera, not {len(cameras)} "
            f"({','.join(cameras)}): each then reads /<camera>/image"
        )
    params = [
        config("params_file"),
        {"use_sim_time": config("use_sim_time").perform(context).lower() == "true"},
        CAMERA_POSE_PARAMS,
    ]
    return [
        LifecycleNode(
            package=PACKAGE,
            executable="pose_node",
            name="pose_node",
            namespace=camera,
            parameters=params,
            remappings=remaps,
        )
        for camera in cameras
    ]


def generate_launch_description():
    share = FindPackageShare(PACKAGE)
    arguments = [
        DeclareLaunchArgument(
            "camera",
            default_value="cam01",
            description="camera name(s) of the cell file, comma-separated",
        ),
        DeclareLaunchArgument(
            "image",
            default_value="",
            description="the driver's image topic; empty = /<camera>/image",
        ),
        DeclareLaunchArgument(
            "camera_info",
            default_value="",
            description="the driver's camera_info; empty = /<camera>/camera_info",
        ),
        DeclareLaunchArgument(
            "params_file",
            default_value=PathJoinSubstitution([share, "config", "har.yaml"]),
            description="parameters of every node (config/har.yaml)",
        ),
        DeclareLaunchArgument(
            "use_sim_time",
            default_value="false",
            description="follow /clock (a replay on the cell PC)",
        ),
    ]
    return LaunchDescription([*arguments, OpaqueFunction(function=_pose_nodes)])
