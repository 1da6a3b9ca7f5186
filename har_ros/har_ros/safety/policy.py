"""The safety policy: inputs in, one speed scale with its state and reason out.

Fail-safe by construction: no or stale skeletons -> protective stop; stale
actions -> the conservative rule at the measured distance; any exception ->
fault, 0. Inputs are judged by arrival and by header stamp (inputs.py), once
per decision, and the decision carries those records; a clock that jumps
back (a bag loop) stops the robot until fresh input arrives, and input older
than ``latency_budget`` shrinks the measured separation by the distance a
person covers in the excess time. The most restrictive person and rule
wins. The scale falls at most ``ramp_down_rate`` per second (a protective
stop is immediate) and rises at most ``ramp_up_rate`` per second. A stop
caused by separation is released only when every person is ``hysteresis``
metres further away than needed.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field, replace
from enum import IntEnum

from ..common.config import require_finite
from .inputs import InputClock, InputHealth, input_problem
from .rules import RuleSet
from .ssm import SsmParameters, protective_distance, speed_scale
from .zones import ImageZone, RobotZone


class SafetyState(IntEnum):
    """Matches har_msgs/SafetyStatus STATE_* constants."""

    STARTUP = 0
    NORMAL = 1
    REDUCED = 2
    PROTECTIVE_STOP = 3
    FAULT = 4


@dataclass(frozen=True)
class PolicyConfig:
    """What the policy decides by; no defaults: SafetyNodeConfig holds them, with units."""

    ssm: SsmParameters
    rules: RuleSet
    robot_zone: RobotZone
    image_zones: tuple[ImageZone, ...]
    skeleton_timeout: float  # s without a SkeletonArray -> protective stop
    action_timeout: float  # s without /action -> conservative rule
    robot_pose_timeout: float  # s, only when use_robot_pose
    use_robot_pose: bool
    require_actions: bool  # startup also waits for /action
    startup_healthy_time: float  # s every required input must be healthy first
    ramp_down_rate: float  # scale units per second
    ramp_up_rate: float  # scale units per second
    hysteresis: float  # m
    unlocated_max_scale: float  # cap for a person with no position and no image zone
    max_future_stamp: float  # s a stamp may lead the clock (clock sync) before a stop
    max_clock_offset: float  # s a source's stamps may lag (clock_offset.py), then named
    latency_budget: float  # s of input age already allowed for in the reaction time
    use_coverage: bool  # a multi-camera cell reports which cameras are live
    coverage_max_scale: float  # cap while some (not all) cameras are silent

    def validate(self) -> None:
        self.ssm.validate()
        require_finite(self)
        for name in (
            "skeleton_timeout",
            "action_timeout",
            "robot_pose_timeout",
            "ramp_down_rate",
            "ramp_up_rate",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if not self.max_clock_offset > 0:
            raise ValueError(f"max_clock_offset must be > 0, got {self.max_clock_offset}")
        for name in ("startup_healthy_time", "hysteresis", "max_future_stamp", "latency_budget"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0.0 <= self.coverage_max_scale <= 1.0:
            raise ValueError(f"coverage_max_scale must be in [0, 1], got {self.coverage_max_scale}")
        if self.ramp_up_rate > self.ramp_down_rate:
            raise ValueError(
                f"ramp_up_rate ({self.ramp_up_rate}/s) must not be faster than "
                f"ramp_down_rate ({self.ramp_down_rate}/s): slow down fast, "
                "speed up slowly"
            )
        if not 0.0 <= self.unlocated_max_scale <= 1.0:
            raise ValueError("unlocated_max_scale must be in [0, 1]")


@dataclass(frozen=True)
class PersonObservation:
    track_id: int
    floor_xy: tuple[float, float] | None = None  # metres, in the robot zone's frame
    image_uv: tuple[float, float] | None = None  # pixels (e.g. bottom centre of the box)
    uncertainty: float = 0.0  # m the person may be nearer than floor_xy (several estimates)


@dataclass(frozen=True)
class Decision:
    scale: float
    state: SafetyState
    reason: str
    min_separation: float = math.nan
    nearest_track_id: int = -1
    active_rules: tuple[str, ...] = ()
    target_scale: float = 0.0
    inputs: tuple[InputHealth, ...] = ()  # each watched input as this decision judged it


@dataclass(frozen=True)
class PersonLimit:
    """The speed one person allows, and why."""

    scale: float  # the target speed scale this person allows
    track_id: int
    separation: float  # m from the robot zone (NaN: no floor position)
    rule: str  # "<rule>@<track id>", as SafetyStatus.active_rules lists it
    reason: str


NOBODY = PersonLimit(1.0, -1, math.nan, "", "no person in view")


@dataclass(frozen=True)
class _Target:
    scale: float  # the most restrictive person's, capped by coverage
    rules: tuple[str, ...]  # every person's rule


@dataclass
class SafetyPolicy:
    config: PolicyConfig
    skeletons: InputClock = field(default_factory=InputClock)
    actions: InputClock = field(default_factory=InputClock)
    robot_pose: InputClock = field(default_factory=InputClock)
    coverage: InputClock = field(default_factory=InputClock)

    def __post_init__(self) -> None:
        self.config.validate()
        self._people: list[PersonObservation] = []
        self._actions: dict[int, tuple[str, float]] = {}
        self._robot_xy = (0.0, 0.0)
        self._started = False
        self._healthy_since: float | None = None
        self._scale = 0.0
        self._last_step: float | None = None
        self._stop_latched = False
        self._clock_now: float | None = None
        self._clock_jump: str | None = None
        self._input_fault: tuple[float, str] | None = None
        self._silent_cameras: list[str] = []
        self._cameras: list[str] = []
        self.state = SafetyState.STARTUP

    # -- inputs ------------------------------------------------------------
    def on_skeletons(
        self,
        now: float,
        people: list[PersonObservation],
        stamp: float | None = None,
        arrival_clock: float | None = None,
    ) -> None:
        """People seen in a frame that arrived at ``now``, stamped ``stamp`` (node clock, s).

        ``arrival_clock``, the node's clock at arrival, lets the policy estimate the
        source's clock offset; every ``on_*`` input takes it.
        """
        self.skeletons.arrived(now, stamp, arrival_clock)
        self._people = list(people)
        self._clock_jump = None

    def on_actions(
        self,
        now: float,
        actions: dict[int, tuple[str, float]],
        stamp: float | None = None,
        arrival_clock: float | None = None,
    ) -> None:
        """``actions`` maps track id -> (label, confidence); replaces the previous set."""
        self.actions.arrived(now, stamp, arrival_clock)
        self._actions = dict(actions)

    def on_coverage(
        self,
        now: float,
        cameras: list[str],
        live: list[bool],
        stamp: float | None = None,
        arrival_clock: float | None = None,
    ) -> None:
        """Which cameras of a multi-camera cell deliver skeletons (person_fusion's report)."""
        if len(cameras) != len(live):
            raise ValueError(f"coverage names {len(cameras)} cameras but {len(live)} flags")
        self.coverage.arrived(now, stamp, arrival_clock)
        self._cameras = list(cameras)
        self._silent_cameras = [c for c, ok in zip(cameras, live, strict=True) if not ok]

    def on_input_fault(self, now: float, reason: str) -> None:
        """An input could not be used (refused unread, no transform): stop for a timeout.

        Whoever floods the input may hide a real person among the entries, and a
        person whose frame cannot be transformed is at an unknown distance, so the
        robot stops until ``skeleton_timeout`` has passed without another fault.
        """
        self._input_fault = (now, reason)

    def _track_clock(self, clock_now: float | None) -> None:
        """A clock that runs backwards (bag loop, sim time reset) invalidates every input."""
        if clock_now is None:
            return
        if self._clock_now is not None and clock_now < self._clock_now - 1e-3:
            self._clock_jump = (
                f"clock jumped back {self._clock_now - clock_now:.2f} s; "
                "waiting for input stamped after the jump"
            )
            for clock in (self.skeletons, self.actions, self.robot_pose, self.coverage):
                clock.forget()
            self._people, self._actions = [], {}
        self._clock_now = clock_now

    def on_robot_position(self, now: float, xy: tuple[float, float]) -> None:
        if not all(math.isfinite(v) for v in xy):
            raise ValueError(f"robot position must be finite, got {xy}")
        self.robot_pose.last = now
        self._robot_xy = (float(xy[0]), float(xy[1]))

    def set_config(self, config: PolicyConfig) -> None:
        config.validate()
        self.config = config

    # -- decision ------------------------------------------------------------
    def step(self, now: float, clock_now: float | None = None) -> Decision:
        """Decide the speed scale at ``now`` (monotonic s); ``clock_now``: the node's clock (s).

        Without ``clock_now`` inputs are judged by arrival only.
        """
        try:
            self._track_clock(clock_now)
            health = tuple(self.input_health(now, clock_now))
            decision = replace(self._step(now, clock_now, health), inputs=health)
            notes = self._clock_notes(clock_now)
            if notes:
                decision = replace(decision, reason=f"{decision.reason}; {notes}")
        except Exception as exc:  # fail safe on any defect of the policy itself
            decision = Decision(0.0, SafetyState.FAULT, f"policy error: {exc!r}")
            # the inputs still show, where judging them is not what failed
            with contextlib.suppress(Exception):
                decision = replace(decision, inputs=tuple(self.input_health(now, clock_now)))
        self._scale = decision.scale
        self._last_step = now
        self.state = decision.state
        return decision

    def input_health(self, now: float, clock_now: float | None = None) -> list[InputHealth]:
        """Every input this configuration watches, judged as the decision judges it.

        The one place input health is decided: the decision stops for the first
        required input that is not healthy, and the status shows these records.
        """
        cfg = self.config
        watched = [
            ("skeletons", self.skeletons, cfg.skeleton_timeout, True),
            ("action", self.actions, cfg.action_timeout, cfg.require_actions),
        ]
        if cfg.use_robot_pose:
            watched.append(("robot_position", self.robot_pose, cfg.robot_pose_timeout, True))
        if cfg.use_coverage:
            watched.append(("coverage", self.coverage, cfg.skeleton_timeout, True))
        records = []
        for name, clock, timeout, required in watched:
            why = self._input_problem(name, clock, timeout, now, clock_now)
            stamp_age = clock.stamp_age(clock_now)
            records.append(
                InputHealth(
                    name,
                    clock.age(now),
                    math.nan if stamp_age is None else stamp_age,
                    required,
                    why is None,
                    why or "",
                )
            )
        return records

    def _input_problem(
        self, name: str, clock: InputClock, timeout: float, now: float, clock_now: float | None
    ) -> str | None:
        if clock.last is None and self._clock_jump:
            return self._clock_jump
        return input_problem(name, clock, timeout, now, clock_now, self.config.max_future_stamp)

    def _stale_reason(self, health: tuple[InputHealth, ...]) -> str | None:
        """Why the first required input is not healthy (None: all are)."""
        return next((h.why for h in health if h.required and not h.healthy), None)

    def _clock_notes(self, clock_now: float | None) -> str:
        """Inputs whose stamps lag by more than ``max_clock_offset``, named.

        A clock behind makes input look older than it is: the stale and latency
        rules already treat it conservatively, so it is named, not a stop (a
        pipeline that slow looks the same). A clock ahead is the dangerous
        direction; the future-stamp rule stops for it.
        """
        limit = self.config.max_clock_offset
        lagging = [
            f"{name} +{offset:.2f} s"
            for name, offset in self.clock_offsets(clock_now).items()
            if offset is not None and offset > limit
        ]
        if not lagging:
            return ""
        return (
            f"clock offset: stamps lag the node's clock ({', '.join(lagging)}; "
            f"max_clock_offset {limit:.2f} s): synchronise the computers' clocks "
            "(chrony/PTP), or the input is that late"
        )

    def clock_offsets(self, clock_now: float | None = None) -> dict[str, float | None]:
        """Each stamped input's clock offset estimate in s (None: nothing to judge by yet)."""
        return {
            "skeletons": self.skeletons.offset.value(clock_now),
            "action": self.actions.offset.value(clock_now),
            "coverage": self.coverage.offset.value(clock_now),
        }

    def _step(
        self, now: float, clock_now: float | None, health: tuple[InputHealth, ...]
    ) -> Decision:
        gated = self._input_gate(now, self._stale_reason(health))
        if gated is not None:
            return gated
        actions_fresh = next(h.healthy for h in health if h.name == "action")
        target, why, nearest = self._people_limit(actions_fresh, clock_now)
        if target.scale <= 0.0:
            self._stop_latched = True
            return Decision(
                0.0,
                SafetyState.PROTECTIVE_STOP,
                f"protective stop: {why}",
                nearest.separation,
                nearest.track_id,
                target.rules,
                0.0,
            )
        self._stop_latched = False
        scale = self._ramp(now, target.scale)
        if scale < target.scale - 1e-9:
            why += f"; ramping up to {target.scale:.2f}"
        state = SafetyState.NORMAL if scale >= 1.0 - 1e-9 else SafetyState.REDUCED
        return Decision(
            scale, state, why, nearest.separation, nearest.track_id, target.rules, target.scale
        )

    def _input_gate(self, now: float, stale: str | None) -> Decision | None:
        """The stop or start-up hold an input fault or a stale input calls for (None: go on)."""
        cfg = self.config
        if self._input_fault is not None and now - self._input_fault[0] <= cfg.skeleton_timeout:
            self._stop_latched = True
            if not self._started:
                self._healthy_since = None
                return Decision(0.0, SafetyState.STARTUP, f"startup: {self._input_fault[1]}")
            return Decision(
                0.0, SafetyState.PROTECTIVE_STOP, f"protective stop: {self._input_fault[1]}"
            )
        if (
            stale is None
            and cfg.use_coverage
            and self._cameras
            and len(self._silent_cameras) == len(self._cameras)
        ):
            stale = f"all cameras silent ({', '.join(self._cameras)})"
        if not self._started:
            if stale is not None:
                self._healthy_since = None
                return Decision(0.0, SafetyState.STARTUP, f"startup: {stale}")
            if self._healthy_since is None:
                self._healthy_since = now
            healthy_for = now - self._healthy_since
            if healthy_for < cfg.startup_healthy_time:
                return Decision(
                    0.0,
                    SafetyState.STARTUP,
                    f"startup: inputs healthy for {healthy_for:.2f} of "
                    f"{cfg.startup_healthy_time:.2f} s",
                )
            self._started = True
        if stale is not None:
            self._stop_latched = True
            return Decision(0.0, SafetyState.PROTECTIVE_STOP, f"protective stop: {stale}")
        return None

    def _people_limit(
        self, actions_fresh: bool, clock_now: float | None
    ) -> tuple[_Target, str, PersonLimit]:
        """The most restrictive person's target, why, and the nearest located person."""
        cfg = self.config
        latency = self.skeletons.stamp_age(clock_now) or 0.0
        excess = max(0.0, latency - cfg.latency_budget)
        limits = sorted(
            (self._limit_for(person, actions_fresh, excess) for person in self._people),
            key=lambda limit: limit.scale,
        )
        if not limits:
            target, why, nearest = _Target(1.0, ()), "no person in view", NOBODY
        else:
            located = [limit for limit in limits if math.isfinite(limit.separation)]
            nearest = min(located, key=lambda limit: limit.separation) if located else limits[0]
            target = _Target(limits[0].scale, tuple(limit.rule for limit in limits))
            why = limits[0].reason
        if not actions_fresh:
            why += "; actions stale, conservative rule"
        if excess > 0.0:
            why += (
                f"; skeletons {latency:.2f} s old, separation reduced for the "
                f"{excess:.2f} s over the latency budget"
            )
        if cfg.use_coverage and self._silent_cameras:
            target = _Target(min(target.scale, cfg.coverage_max_scale), target.rules)
            why += (
                f"; camera(s) {', '.join(self._silent_cameras)} silent: their views are not "
                f"covered, speed capped at {cfg.coverage_max_scale:.2f}"
            )
        return target, why, nearest

    def _ramp(self, now: float, target: float) -> float:
        """The scale moved towards ``target``: down at ramp_down_rate, up at ramp_up_rate."""
        dt = 0.0 if self._last_step is None else max(0.0, now - self._last_step)
        if target < self._scale:
            return max(target, self._scale - self.config.ramp_down_rate * dt)
        return min(target, self._scale + self.config.ramp_up_rate * dt)

    def separation(self, person: PersonObservation) -> float:
        """Floor distance from the robot zone, less the person's uncertainty; NaN unlocated."""
        if person.floor_xy is None or not all(math.isfinite(v) for v in person.floor_xy):
            return math.nan
        offset = self._robot_xy if self.config.use_robot_pose else (0.0, 0.0)
        return self.config.robot_zone.distance(person.floor_xy, offset) - person.uncertainty

    def action_of(self, track_id: int) -> tuple[str, float] | None:
        """The latest (label, confidence) reported for ``track_id``, if any."""
        return self._actions.get(track_id)

    @property
    def robot_offset(self) -> tuple[float, float]:
        return self._robot_xy if self.config.use_robot_pose else (0.0, 0.0)

    @property
    def people(self) -> list[PersonObservation]:
        return list(self._people)

    def _limit_for(
        self, person: PersonObservation, actions_fresh: bool, excess_latency: float
    ) -> PersonLimit:
        """The speed one person allows, and why.

        Seen ``excess_latency`` s later than the reaction time allows for, the person may be
        ``human_speed * excess_latency`` closer than measured: the separation shrinks by that.
        """
        cfg = self.config
        label, confidence = self._actions.get(person.track_id, (None, 0.0))
        rule = cfg.rules.for_action(label if actions_fresh else None, confidence)
        who = f"person {person.track_id}"
        separation = self.separation(person)
        if math.isfinite(separation):
            separation -= rule.human_speed * excess_latency
            effective = separation - (cfg.hysteresis if self._stop_latched else 0.0)
            ssm_scale = speed_scale(effective, rule.human_speed, cfg.ssm, rule.extra_margin)
            target = min(ssm_scale, rule.max_scale)
            needed = protective_distance(0.0, rule.human_speed, cfg.ssm, rule.extra_margin)
            reason = f"{who} ({rule.name}) at {separation:.2f} m, stop distance {needed:.2f} m"
            return PersonLimit(
                target, person.track_id, separation, f"{rule.name}@{person.track_id}", reason
            )
        if person.image_uv is not None and cfg.image_zones:
            caps = [zone for zone in cfg.image_zones if zone.contains(person.image_uv)]
            zone_cap = min((zone.max_scale for zone in caps), default=1.0)
            target = min(zone_cap, rule.max_scale)
            # Image zones are the integrator's map of where, in this camera, a person is
            # near the robot; outside them is a statement, not ignorance: the rule's cap
            # applies, not unlocated_max_scale (docs/SAFETY.md, "Image zones").
            where = (
                f"in image zone {min(caps, key=lambda z: z.max_scale).name}"
                if caps
                else "outside the image zones (no position: the zones decide)"
            )
            return PersonLimit(
                target,
                person.track_id,
                math.nan,
                f"{rule.name}@{person.track_id}",
                f"{who} ({rule.name}) {where}",
            )
        target = min(cfg.unlocated_max_scale, rule.max_scale)
        return PersonLimit(
            target,
            person.track_id,
            math.nan,
            f"unlocated@{person.track_id}",
            f"{who} has no position (unlocated cap {cfg.unlocated_max_scale:.2f})",
        )
