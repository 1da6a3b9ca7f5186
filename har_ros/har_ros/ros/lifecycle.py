"""Managed (lifecycle) nodes, as Nav2 and ros4hri run theirs.

``configure`` reads and validates the parameters and loads models (a bad value
or file fails the transition with the reason), ``activate`` starts the
subscriptions, ``deactivate`` stops them, ``cleanup`` releases what configure
loaded, ``shutdown`` does both. With ``autostart`` (default true: `ros2 run`,
`har bringup`) the node takes itself to active at start; a launch file that
manages the transitions itself (launch_ros ``LifecycleNode`` + transition
events) passes ``autostart:=false``.
"""

from __future__ import annotations

from rcl_interfaces.msg import ParameterDescriptor
from rclpy.exceptions import ParameterException
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn

SUCCESS = TransitionCallbackReturn.SUCCESS
FAILURE = TransitionCallbackReturn.FAILURE


class StartupError(RuntimeError):
    """Autostart could not configure or activate the node; the text says why."""


class ManagedNode(LifecycleNode):
    """A lifecycle node whose subclasses implement configure/activate/deactivate/cleanup.

    ``configure()`` raises ValueError, TypeError or OSError with the reason to fail the
    transition; the others must not fail. ``lifecycle_state`` names the current state.
    """

    def __init__(self, node_name: str, **kwargs):
        super().__init__(node_name, **kwargs)
        self.lifecycle_state = "unconfigured"
        self.declare_parameter("autostart", True, ParameterDescriptor(
            description="configure and activate at start; false = wait for a lifecycle "
                        "manager (ros2 launch, ros2 lifecycle set)", read_only=True))

    # -- to implement ---------------------------------------------------------------
    def configure(self) -> None:
        raise NotImplementedError

    def activate(self) -> None:
        raise NotImplementedError

    def deactivate(self) -> None:
        raise NotImplementedError

    def cleanup(self) -> None:
        raise NotImplementedError

    # -- transitions ------------------------------------------------------------------
    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        try:
            self.configure()
        except (ValueError, TypeError, OSError, ParameterException) as exc:
            self.get_logger().error(f"configure failed: {exc}")
            self.configure_error = str(exc)
            return FAILURE
        self.lifecycle_state = "inactive"
        return SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.activate()
        self.lifecycle_state = "active"
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.deactivate()
        self.lifecycle_state = "inactive"
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.cleanup()
        self.lifecycle_state = "unconfigured"
        return SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        if self.lifecycle_state == "active":
            self.deactivate()
        if self.lifecycle_state in ("active", "inactive"):
            self.cleanup()
        self.lifecycle_state = "finalized"
        return SUCCESS

    def autostart(self) -> None:
        """Configure and activate if ``autostart`` is set; StartupError with the reason."""
        if not self.get_parameter("autostart").value:
            return
        if self.trigger_configure() != SUCCESS:
            raise StartupError(getattr(self, "configure_error", "configure failed"))
        if self.trigger_activate() != SUCCESS:
            raise StartupError("activate failed")
