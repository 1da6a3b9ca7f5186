"""Start a multi-camera cell from its description: one pose node per camera, fusion, action, safety.

ros2 launch har_ros cell.launch.py                          # the Pose2Sim demo rig, replayed
ros2 launch har_ros cell.launch.py cell_file:=/path/my_cell.yaml replay:=false
ros2 launch har_ros cell.launch.py nodes:=fusion,action,safety replay:=false  # the cell PC,
                                                      # cameras on their own (camera.launch.py)

For every camera of ``cell_file`` a ``pose_node`` in namespace ``/<camera>``
(``/<camera>/image`` -> ``/<camera>/skeletons``); ``person_fusion`` fuses them
into ``/skeletons`` and ``/coverage`` and broadcasts the cameras' static
transforms; ``action_node`` and ``safety_node`` (``use_coverage``, the cell's
robot and safety settings) consume them unchanged. With ``replay`` the
cell's videos play through ``rig_publisher`` on ``/clock`` (every node on sim
time) and the launch ends with them. Lifecycle nodes bring themselves up
(autostart), as in har.launch.py.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, EmitEvent, OpaqueFunction, RegisterEventHandler
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import LifecycleNode, Node
from launch_ros.substitutions import FindPackageShare

from har_ros.runtime.pipeline import CAMERA_POSE_PARAMS, CELL_STAGES, chosen_nodes

PACKAGE = "har_ros"


def _nodes(context):
    from har_ros.cell.description import load_cell

    config = LaunchConfiguration
    cell_file = config("cell_file").perform(context)
    cell = load_cell(cell_file)
    chosen = chosen_nodes(config("nodes").perform(context), CELL_STAGES)
    replay = config("replay").perform(context).lower() == "true"
    sim_time = replay or config("use_sim_time").perform(context).lower() == "true"
    params = [config("params_file"), {"use_sim_time": sim_time}]
    actions = []
    if replay:
        rig = Node(
            package=PACKAGE,
            executable="rig_publisher",
            name="rig_publisher",
            parameters=[
                *params,
                {
                    "cell_file": cell_file,
                    "publish_clock": True,
                    "use_sim_time": False,
                    "loop": config("replay_loop").perform(context).lower() == "true",
                    "rate": float(config("replay_rate").perform(context)),
                    "frame_step": int(config("frame_step").perform(context)),
                },
            ],
        )
        actions += [
            rig,
            RegisterEventHandler(
                OnProcessExit(
                    target_action=rig, on_exit=[EmitEvent(event=Shutdown(reason="videos ended"))]
                )
            ),
        ]
    if "pose" in chosen:
        for cam in cell.cameras:
            actions.append(
                LifecycleNode(
                    package=PACKAGE,
                    executable="pose_node",
                    name="pose_node",
                    namespace=cam.name,
                    parameters=[*params, CAMERA_POSE_PARAMS],
                )
            )
    if "fusion" in chosen:
        actions.append(
            LifecycleNode(
                package=PACKAGE,
                executable="person_fusion",
                name="person_fusion",
                namespace="",
                parameters=[*params, {"cell_file": cell_file}],
            )
        )
    if "action" in chosen:
        model = config("model_path").perform(context)
        actions.append(
            LifecycleNode(
                package=PACKAGE,
                executable="action_node",
                name="action_node",
                namespace="",
                parameters=[*params, *([{"model_path": model}] if model else [])],
            )
        )
    if "safety" in chosen:
        actions.append(
            LifecycleNode(
                package=PACKAGE,
                executable="safety_node",
                name="safety_node",
                namespace="",
                parameters=[*params, {**cell.safety_parameters(), "use_coverage": True}],
            )
        )
    return actions


def generate_launch_description():
    share = FindPackageShare(PACKAGE)
    arguments = [
        DeclareLaunchArgument(
            "cell_file",
            default_value=PathJoinSubstitution([share, "config", "cell_pose2sim.yaml"]),
            description="cell description YAML (cameras, robot, safety)",
        ),
        DeclareLaunchArgument(
            "params_file",
            default_value=PathJoinSubstitution([share, "config", "har.yaml"]),
            description="parameters of every node (config/har.yaml)",
        ),
        DeclareLaunchArgument(
            "replay",
            default_value="true",
            description="play the cell's videos (rig_publisher, /clock)",
        ),
        DeclareLaunchArgument(
            "replay_rate",
            default_value="10.0",
            description="frames per second of the replay (wall clock)",
        ),
        DeclareLaunchArgument(
            "frame_step",
            default_value="4",
            description="replay every n-th video frame (60 fps / 4 = 15)",
        ),
        DeclareLaunchArgument(
            "replay_loop",
            default_value="false",
            description="play the videos again and again (/clock runs on)",
        ),
        DeclareLaunchArgument(
            "use_sim_time",
            default_value="false",
            description="follow /clock without replay (e.g. a bag)",
        ),
        DeclareLaunchArgument(
            "model_path",
            default_value="",
            description="action checkpoint; empty = as in params_file",
        ),
        DeclareLaunchArgument(
            "nodes",
            default_value="pose,fusion,action,safety",
            description="comma-separated subset of pose,fusion,action,safety",
        ),
    ]
    return LaunchDescription([*arguments, OpaqueFunction(function=_nodes)])
