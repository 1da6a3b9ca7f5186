"""Managed (lifecycle) nodes, as Nav2 and ros4hri run theirs.

``configure`` reads and validates the parameters and loads models (a bad value
or file fails the transition with the reason), ``activate`` starts the
subscriptions, ``deactivate`` stops them, ``cleanup`` releases what configure
loaded, ``shutdown`` does both. With ``autostart`` (default true, also in
the launch files) the node takes itself to active at start, in its own
process: no transition then depends on a DDS reply that a loaded PC can lose.
``autostart:=false`` leaves the transitions to ``ros2 lifecycle`` or a manager.
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
    transition; the others must not fail. ``lifecycle_state`` names the current state
    (read-only: only the transitions here change it). ``deactivate()`` runs with the
    state already "inactive", so what it publishes says the node is no longer active.
    """

    def __init__(self, node_name: str, **kwargs):
        super().__init__(node_name, **kwargs)
        self._lifecycle_state = "unconfigured"
        self._configure_error = ""
        self.declare_parameter(
            "autostart",
            True,
            ParameterDescriptor(
                description="configure and activate at start; false = wait for a lifecycle "
                "manager (ros2 launch, ros2 lifecycle set)",
                read_only=True,
            ),
        )

    @property
    def lifecycle_state(self) -> str:
        return self._lifecycle_state

    @property
    def configure_error(self) -> str:
        """Why the last configure failed ("" when it did not)."""
        return self._configure_error

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
            self._configure_error = str(exc)
            return FAILURE
        self._configure_error = ""
        self._lifecycle_state = "inactive"
        return SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.activate()
        self._lifecycle_state = "active"
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._lifecycle_state = "inactive"
        self.deactivate()
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.cleanup()
        self._lifecycle_state = "unconfigured"
        return SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        if self._lifecycle_state == "active":
            self._lifecycle_state = "inactive"
            self.deactivate()
        if self._lifecycle_state == "inactive":
            self.cleanup()
        self._lifecycle_state = "finalized"
        return SUCCESS

    def autostart(self) -> None:
        """Configure and activate if ``autostart`` is set; StartupError with the reason."""
        if not self.get_parameter("autostart").value:
            return
        if self.trigger_configure() != SUCCESS:
            raise StartupError(self._configure_error or "configure failed")
        if self.trigger_activate() != SUCCESS:
            raise StartupError("activate failed")
