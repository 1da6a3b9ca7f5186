"""Start the har_ros pipeline: (video_publisher) -> pose_node -> action_node -> safety_node.

ros2 launch har_ros har.launch.py image:=/camera/color/image_raw
ros2 launch har_ros har.launch.py with_video:=true video:=/path/to/clip.mp4
ros2 launch har_ros har.launch.py nodes:=action,safety        # e.g. replaying a skeleton bag
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

PACKAGE = "har_ros"


def _nodes(context):
    config = LaunchConfiguration
    chosen = {n.strip() for n in config("nodes").perform(context).split(",") if n.strip()}
    params = [config("params_file"), {"use_sim_time": config("use_sim_time")}]
    namespace = config("namespace")
    actions = []
    if config("with_video").perform(context).lower() == "true":
        actions.append(Node(package=PACKAGE, executable="video_publisher",
                            name="video_publisher", namespace=namespace,
                            parameters=[*params, {"video": config("video")}],
                            remappings=[("image", config("image")),
                                        ("camera_info", config("camera_info"))]))
    if "pose" in chosen:
        actions.append(Node(package=PACKAGE, executable="pose_node", name="pose_node",
                            namespace=namespace,
                            parameters=[*params, {"backend": config("pose_backend")}],
                            remappings=[("image", config("image")),
                                        ("depth", config("depth")),
                                        ("camera_info", config("camera_info"))]))
    if "action" in chosen:
        actions.append(Node(package=PACKAGE, executable="action_node", name="action_node",
                            namespace=namespace,
                            parameters=[*params, {"model_path": config("model_path")}]))
    if "safety" in chosen:
        actions.append(Node(package=PACKAGE, executable="safety_node", name="safety_node",
                            namespace=namespace, parameters=params))
    return actions


def generate_launch_description():
    default_params = PathJoinSubstitution([FindPackageShare(PACKAGE), "config", "har.yaml"])
    arguments = [
        DeclareLaunchArgument("image", default_value="image", description="colour image topic"),
        DeclareLaunchArgument("depth", default_value="depth",
                              description="aligned depth topic (pose_node use_depth:=true)"),
        DeclareLaunchArgument("camera_info", default_value="camera_info",
                              description="CameraInfo topic of the colour camera"),
        DeclareLaunchArgument("params_file", default_value=default_params,
                              description="parameters of every node (config/har.yaml)"),
        DeclareLaunchArgument("model_path", default_value="",
                              description="action checkpoint; empty = the shipped model"),
        DeclareLaunchArgument("pose_backend", default_value="movenet",
                              description="pose backend of pose_node"),
        DeclareLaunchArgument("namespace", default_value="", description="namespace of all"),
        DeclareLaunchArgument("use_sim_time", default_value="false",
                              description="follow /clock (bag replay with --clock)"),
        DeclareLaunchArgument("nodes", default_value="pose,action,safety",
                              description="comma-separated subset of pose,action,safety"),
        DeclareLaunchArgument("with_video", default_value="false",
                              description="also start video_publisher as the camera"),
        DeclareLaunchArgument("video", default_value="",
                              description="video file for video_publisher"),
    ]
    return LaunchDescription([*arguments, OpaqueFunction(function=_nodes)])
