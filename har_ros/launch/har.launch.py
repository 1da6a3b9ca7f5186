"""Start the har_ros pipeline: (video_publisher) -> pose_node -> action_node -> safety_node.

ros2 launch har_ros har.launch.py image:=/camera/color/image_raw
ros2 launch har_ros har.launch.py with_video:=true video:=/path/to/clip.mp4
ros2 launch har_ros har.launch.py nodes:=action,safety        # e.g. replaying a skeleton bag
ros2 launch har_ros har.launch.py composed:=true              # the three nodes in one process
ros2 launch har_ros har.launch.py nodes:=body_tracker,action,safety \
    body_tracking:=/k4a/body_tracking_data body_camera_info:=/k4a/depth/camera_info

Parameters come from ``params_file``; the arguments ``pose_backend``,
``model_path`` and ``video`` override it only when they are given (their
empty default means "whatever the file says"). With ``with_video`` the launch
ends when the video does, as a camera that stops would end a recording.
pose, action and safety nodes are lifecycle nodes that bring themselves up
(``autostart``): launch_ros's event-driven activation rests on one transition
event and one service reply per node, and a loaded PC whose DDS discovery is
still running loses them (a node then never activates). launch_ros still sees
their transition events; ``ros2 lifecycle`` moves them as usual.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, EmitEvent, OpaqueFunction, RegisterEventHandler
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import LifecycleNode, Node
from launch_ros.substitutions import FindPackageShare

from har_ros.runtime.pipeline import PIPELINE, chosen_nodes

PACKAGE = "har_ros"


def _given(context, argument: str, parameter: str) -> list[dict]:
    """A parameter override for a launch argument, only when the user gave it a value."""
    value = LaunchConfiguration(argument).perform(context)
    return [{parameter: value}] if value else []


def _nodes(context):
    config = LaunchConfiguration
    chosen = chosen_nodes(config("nodes").perform(context))  # the node table `har bringup` reads
    params = [config("params_file"), {"use_sim_time": config("use_sim_time")}]
    namespace = config("namespace").perform(context)
    camera = [
        ("image", config("image")),
        ("depth", config("depth")),
        ("camera_info", config("camera_info")),
    ]
    overrides = {
        "pose": _given(context, "pose_backend", "backend"),
        "body_tracker": [],
        "action": _given(context, "model_path", "model_path"),
        "safety": [],
    }
    remappings = {
        "pose": camera,
        "body_tracker": [
            ("body_tracking_data", config("body_tracking")),
            ("depth/camera_info", config("body_camera_info")),
        ],
    }
    actions = []
    if config("with_video").perform(context).lower() == "true":
        video = Node(
            package=PACKAGE,
            executable="video_publisher",
            name="video_publisher",
            namespace=namespace,
            remappings=camera[::2],
            parameters=[*params, *_given(context, "video", "video")],
        )
        actions += [
            video,
            RegisterEventHandler(
                OnProcessExit(
                    target_action=video, on_exit=[EmitEvent(event=Shutdown(reason="video ended"))]
                )
            ),
        ]
    guard_target = config("speed_guard_target").perform(context)
    if guard_target:  # speed_scaling -> the controller's input, 0 when the safety node is silent
        actions.append(
            Node(
                package=PACKAGE,
                executable="speed_guard",
                name="speed_guard",
                namespace=namespace,
                parameters=[*params, {"target_topic": guard_target}],
            )
        )
    if config("composed").perform(context).lower() == "true":
        if chosen != list(PIPELINE):
            raise ValueError("composed:=true runs all of pose, action and safety")
        # One process, three node names: an override is scoped to its node (-p node:name:=v).
        scoped = [
            arg
            for name in PIPELINE
            for d in overrides[name]
            for key, value in d.items()
            for arg in ("-p", f"{name}_node:{key}:={value}")
        ]
        actions.append(
            Node(
                package=PACKAGE,
                executable="har_composed",
                namespace=namespace,
                remappings=camera,
                parameters=params,
                ros_arguments=scoped,
            )
        )
        return actions
    for name in chosen:
        actions.append(
            LifecycleNode(
                package=PACKAGE,
                executable=f"{name}_node",
                name=f"{name}_node",
                namespace=namespace,
                remappings=remappings.get(name, []),
                parameters=[*params, *overrides[name]],
            )
        )
    return actions


def generate_launch_description():
    default_params = PathJoinSubstitution([FindPackageShare(PACKAGE), "config", "har.yaml"])
    arguments = [
        DeclareLaunchArgument("image", default_value="image", description="colour image topic"),
        DeclareLaunchArgument(
            "depth",
            default_value="depth",
            description="aligned depth topic (pose_node use_depth:=true)",
        ),
        DeclareLaunchArgument(
            "camera_info",
            default_value="camera_info",
            description="CameraInfo topic of the colour camera",
        ),
        DeclareLaunchArgument(
            "params_file",
            default_value=default_params,
            description="parameters of every node (config/har.yaml)",
        ),
        DeclareLaunchArgument(
            "model_path",
            default_value="",
            description="action checkpoint; empty = as in params_file",
        ),
        DeclareLaunchArgument(
            "pose_backend",
            default_value="",
            description="pose backend of pose_node; empty = as in params_file",
        ),
        DeclareLaunchArgument("namespace", default_value="", description="namespace of all"),
        DeclareLaunchArgument(
            "use_sim_time",
            default_value="false",
            description="follow /clock (bag replay with --clock)",
        ),
        DeclareLaunchArgument(
            "nodes",
            default_value="pose,action,safety",
            description="comma-separated subset of pose,body_tracker,action,safety "
            "(body_tracker: a depth camera's own body tracking instead of pose)",
        ),
        DeclareLaunchArgument(
            "body_tracking",
            default_value="body_tracking_data",
            description="body_tracker's MarkerArray topic (Azure Kinect / Orbbec driver)",
        ),
        DeclareLaunchArgument(
            "body_camera_info",
            default_value="depth/camera_info",
            description="body_tracker's depth camera_info topic",
        ),
        DeclareLaunchArgument(
            "composed",
            default_value="false",
            description="pose, action and safety nodes in one process",
        ),
        DeclareLaunchArgument(
            "speed_guard_target",
            default_value="",
            description="start speed_guard feeding this controller topic, "
            "e.g. /joint_trajectory_controller/"
            "speed_scaling_input; empty = no guard",
        ),
        DeclareLaunchArgument(
            "with_video",
            default_value="false",
            description="also start video_publisher as the camera",
        ),
        DeclareLaunchArgument(
            "video",
            default_value="",
            description="video file for video_publisher; empty = as in params_file",
        ),
    ]
    return LaunchDescription([*arguments, OpaqueFunction(function=_nodes)])
