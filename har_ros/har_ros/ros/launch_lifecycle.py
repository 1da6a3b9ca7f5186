"""Launch actions that bring a lifecycle node up: configure it, then activate it once inactive.

Shared by the package's launch files. It imports launch and launch_ros, so only
launch files (which run where those exist) import it.
"""

from __future__ import annotations

from launch.actions import EmitEvent, RegisterEventHandler
from launch.events import matches_action
from launch_ros.actions import LifecycleNode
from launch_ros.event_handlers import OnStateTransition
from launch_ros.events.lifecycle import ChangeState
from lifecycle_msgs.msg import Transition


def managed(node: LifecycleNode) -> list:
    """The node, its configure request, and its activation once configure succeeded.

    Only the configure transition triggers the activation, so a user's later
    `ros2 lifecycle set ... deactivate` is not undone by the launch.
    """

    def change(transition: int) -> EmitEvent:
        return EmitEvent(event=ChangeState(lifecycle_node_matcher=matches_action(node),
                                           transition_id=transition))

    return [node,
            RegisterEventHandler(OnStateTransition(
                target_lifecycle_node=node, start_state="configuring", goal_state="inactive",
                entities=[change(Transition.TRANSITION_ACTIVATE)])),
            change(Transition.TRANSITION_CONFIGURE)]
