"""safety/status and /diagnostics of one safety decision, built in one place."""

from __future__ import annotations

import importlib.util
import math

from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray
from std_msgs.msg import Header

from har_msgs.msg import InputStatus, SafetyStatus

from ..common.rate_meter import RateMeter
from ..common.self_check import SelfCheck
from ..common.stage_cpu import StageCpu
from ..safety.node_config import SafetyNodeConfig
from ..safety.policy import Decision, SafetyState
from . import qos
from .diagnostics import ERROR, OK, WARN, diagnostic_array

LEVEL = {
    SafetyState.NORMAL: OK,
    SafetyState.REDUCED: OK,
    SafetyState.STARTUP: WARN,
    SafetyState.PROTECTIVE_STOP: WARN,
    SafetyState.FAULT: ERROR,
}


def input_statuses(
    now: float,
    decision: Decision,
    meters: dict[str, RateMeter],
    offsets: dict[str, float | None] | None = None,
) -> list[InputStatus]:
    """The decision's input-health records, with each input's rate and clock offset.

    Health is decided once, by the policy (SafetyPolicy.input_health); this only shows it.
    """
    offsets = offsets or {}
    return [
        InputStatus(
            name=h.name,
            age=h.age,
            stamp_age=h.stamp_age,
            rate=meters[h.name].rate(now) if h.name in meters else math.nan,
            required=h.required,
            healthy=h.healthy,
            why=h.why,
            clock_offset=math.nan if offsets.get(h.name) is None else float(offsets[h.name]),
        )
        for h in decision.inputs
    ]


def safety_report(
    header: Header,
    now: float,
    decision: Decision,
    meters: dict[str, RateMeter],
    offsets: dict[str, float | None],
    stamps: dict[str, Time],
    counts: dict[str, int],
    title: str = "",
    problems: str = "",
) -> tuple[SafetyStatus, DiagnosticArray | None]:
    """The status message, and the diagnostics too when ``title`` (the status name) is given.

    ``problems``: what the self-checks found (named in the diagnostics, at least WARN).
    """
    inputs = input_statuses(now, decision, meters, offsets)
    status = SafetyStatus(
        header=header,
        speed_scale=float(decision.scale),
        state=int(decision.state),
        reason=decision.reason,
        min_separation=float(decision.min_separation),
        nearest_track_id=int(decision.nearest_track_id),
        active_rules=list(decision.active_rules),
        inputs=inputs,
        skeletons_stamp=stamps["skeletons"],
        actions_stamp=stamps["action"],
    )
    if not title:
        return status, None
    values = {"speed_scale": decision.scale, "state": decision.state.name, **counts}
    for name, meter in meters.items():
        values[f"{name}_received"] = meter.count
    for item in inputs:
        values[f"{item.name}_age_s"] = item.age
        if math.isfinite(item.stamp_age):
            values[f"{item.name}_stamp_age_s"] = round(item.stamp_age, 4)
        values[f"{item.name}_rate_hz"] = item.rate
        if math.isfinite(item.clock_offset):
            values[f"{item.name}_clock_offset_s"] = round(item.clock_offset, 4)
    level, message = LEVEL[decision.state], decision.reason
    if problems:
        level, message = max(level, WARN), f"{message}; self-check: {problems}"
    return status, diagnostic_array(header, title, "har_ros", level, message, values)


def marker_publisher(node, enabled: bool):
    """safety/markers for RViz (ros.markers.MarkerPublisher), if enabled and installed."""
    if not enabled:
        return None
    if importlib.util.find_spec("visualization_msgs") is None:
        node.get_logger().info("visualization_msgs not installed: no safety/markers")
        return None
    from .markers import MarkerPublisher

    return MarkerPublisher(node)


class SafetyReporter:
    """Publishes what explains each decision: safety/status, markers, /diagnostics at 1 Hz."""

    def __init__(self, node, publish_markers: bool, stages: StageCpu):
        """``stages``: the node's stage CPU, shown with the diagnostics."""
        self._title = f"{node.get_fully_qualified_name()}: speed and separation monitoring"
        self.self_check = SelfCheck()
        self._stages = stages
        self._status_pub = node.create_publisher(SafetyStatus, "safety/status", qos.STATE)
        self._diag_pub = node.create_publisher(DiagnosticArray, "/diagnostics", qos.DEFAULT)
        self._markers = marker_publisher(node, publish_markers)
        self._last_diag = 0.0

    def on_skeletons(self, msg) -> None:
        if self._markers is not None:
            self._markers.on_skeletons(msg)

    def report(
        self,
        now: float,
        clock_now,
        decision: Decision,
        config: SafetyNodeConfig | None,
        policy,
        meters: dict[str, RateMeter],
        stamps: dict[str, Time],
        counts: dict[str, int],
    ) -> None:
        """One decision's status and markers; diagnostics when a second has passed."""
        header = Header(stamp=clock_now.to_msg())
        diagnose = now - self._last_diag >= 1.0
        offsets = policy.clock_offsets(clock_now.nanoseconds * 1e-9) if policy else {}
        if diagnose:  # the once-a-second extras, not built for every decision
            counts = {**counts, **self._stages.diagnostic_values()}
        status, diagnostics = safety_report(
            header,
            now,
            decision,
            meters,
            offsets,
            stamps,
            counts,
            self._title if diagnose else "",
            self.self_check.summary() if diagnose else "",
        )
        self._status_pub.publish(status)
        if self._markers is not None and policy is not None and config is not None:
            self._markers.maybe_publish(now, header, decision, policy, config.cell_frame)
        if diagnostics is not None:
            self._last_diag = now
            self._diag_pub.publish(diagnostics)
