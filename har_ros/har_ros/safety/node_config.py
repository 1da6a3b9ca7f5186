"""Parameters of the safety node as one typed, validated config (ROS-free)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..common.config import param, require, require_finite
from ..resources import package_file
from .policy import PolicyConfig
from .rules import RuleSet
from .ssm import SsmParameters
from .zones import ImageZone, RobotZone

SHIPPED_RULES = package_file("data", "safety_rules.yaml")

#: Longest gap the safety node promises between two speed commands; the ROS QoS
#: deadline of speed_scaling (har_ros.ros.qos) is set from it.
SPEED_DEADLINE_S = 0.1
MIN_RATE_HZ = 2.0 / SPEED_DEADLINE_S  # two periods fit into the deadline

# Camera optical frame (x right, y down, z forward) -> floor frame of the robot
# zone (x forward, y left, z up), camera at the origin: the default when the
# robot zone is given relative to the camera.
OPTICAL_TO_FLOOR = (0.0, 0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0)


@dataclass(frozen=True)
class SafetyNodeConfig:
    rate_hz: float = param(
        50.0, "least output rate (also on every SkeletonArray), Hz", limits=(MIN_RATE_HZ, 1000.0)
    )
    skeleton_timeout: float = param(
        0.5, "s without skeletons before a protective stop", limits=(0.0, 2.0)
    )
    action_timeout: float = param(
        1.5, "s without /action before the conservative rule applies", limits=(0.0, 30.0)
    )
    robot_pose_timeout: float = param(
        0.5, "s without robot_position (if used) before a stop", limits=(0.0, 2.0)
    )
    use_robot_pose: bool = param(False, "move the robot zone by the robot_position topic")
    require_actions: bool = param(False, "startup also waits for /action to be healthy")
    startup_healthy_time: float = param(
        1.0, "s every required input must be healthy at start", limits=(0.0, 60.0)
    )
    ramp_down_rate: float = param(
        4.0, "largest decrease of the scale per second (1/s)", limits=(0.5, 1000.0)
    )
    ramp_up_rate: float = param(
        0.25, "largest increase of the scale per second (1/s)", limits=(0.0, 1000.0)
    )
    hysteresis: float = param(
        0.1, "m further than needed before a stop is released", limits=(0.0, 5.0)
    )
    unlocated_max_scale: float = param(
        0.0,
        "scale cap for a person with neither a position nor an image zone (0..1)",
        limits=(0.0, 1.0),
    )
    reaction_time: float = param(
        0.3, "T_r: sensing + node + controller reaction time, s", limits=(0.0, 5.0)
    )
    braking_deceleration: float = param(
        2.0, "a: robot braking deceleration, m/s^2", limits=(0.0, 100.0)
    )
    intrusion_distance: float = param(
        0.2, "C: intrusion distance (ISO 13855), m", limits=(0.0, 5.0)
    )
    human_uncertainty: float = param(
        0.1, "Z_d: position uncertainty of the sensing, m", limits=(0.0, 5.0)
    )
    robot_uncertainty: float = param(
        0.05, "Z_r: position uncertainty of the robot, m", limits=(0.0, 5.0)
    )
    nominal_speed: float = param(
        1.0, "robot speed that scale 1.0 stands for, m/s", limits=(0.0, 10.0)
    )
    rules_file: str = param("", "YAML of action rules; empty = the shipped fridge rules")
    robot_zone_type: str = param("circle", "robot zone on the floor: point, circle or polygon")
    robot_zone_points: tuple[float, ...] = param(
        (2.0, 0.0), "robot zone x, y (m, flat list); >= 3 points for a polygon"
    )
    robot_zone_radius: float = param(0.8, "robot zone radius for a circle, m", limits=(0.0, 100.0))
    camera_to_floor: tuple[float, ...] = param(
        OPTICAL_TO_FLOOR, "3x4 row-major [R|t] from the depth frame to the zone frame"
    )
    image_stop_zone: tuple[float, ...] = param(
        (), "image polygon u, v (px, flat) where a person without position means stop"
    )
    image_slow_zone: tuple[float, ...] = param(
        (), "image polygon u, v (px, flat) where a person without position means slow"
    )
    image_slow_scale: float = param(
        0.3, "scale cap inside image_slow_zone (0..1)", limits=(0.0, 1.0)
    )
    max_future_stamp: float = param(
        0.05,
        "s an input stamp may lead the node's clock before it counts as invalid",
        limits=(0.0, 5.0),
    )
    max_clock_offset: float = param(
        0.25,
        "s an input's stamps may lag the node's clock (least arrival - stamp over 2 s: "
        "clock offset + least delay) before safety/status names it",
        limits=(0.0, 5.0),
    )
    latency_budget: float = param(
        0.1,
        "s of input age (image stamp to decision) already allowed for in reaction_time",
        limits=(0.0, 2.0),
    )
    max_people: int = param(
        50, "most skeletons/actions per message; more = protective stop, unread", limits=(1, 1000)
    )
    cell_frame: str = param(
        "",
        "TF frame the robot zone is given in (e.g. world); empty = no TF, positions "
        "through camera_to_floor",
        read_only=True,
    )
    robot_frame: str = param(
        "",
        "TF frame whose origin moves the robot zone (e.g. base_link, tool0); needs cell_frame",
        read_only=True,
    )
    max_transform_age: float = param(
        0.5, "s a moving robot transform may be old before a protective stop", limits=(0.0, 5.0)
    )
    use_coverage: bool = param(
        False,
        "subscribe coverage (har_msgs/CameraCoverage from person_fusion): a silent "
        "camera caps the speed at coverage_max_scale, all silent = protective stop",
        read_only=True,
    )
    coverage_max_scale: float = param(
        0.3, "speed cap while some cameras of the cell are silent (0..1)", limits=(0.0, 1.0)
    )
    publish_markers: bool = param(
        True,
        "publish safety/markers (visualization_msgs/MarkerArray) for RViz, 10 Hz",
        read_only=True,
    )
    publish_speed_factor: bool = param(
        True,
        "also publish control_msgs/SpeedScalingFactor on speed_scaling_factor "
        "(when control_msgs is installed)",
        read_only=True,
    )

    def validate(self) -> None:
        require_finite(self)
        require(
            self.rate_hz >= MIN_RATE_HZ,
            f"rate_hz must be >= {MIN_RATE_HZ:g} Hz (the speed topic's QoS deadline is "
            f"{SPEED_DEADLINE_S:g} s), got {self.rate_hz}",
        )
        require(self.max_people >= 1, f"max_people must be >= 1, got {self.max_people}")
        require(not self.robot_frame or bool(self.cell_frame), "robot_frame needs cell_frame")
        require(self.max_transform_age > 0, "max_transform_age must be > 0 s")
        require(
            len(self.camera_to_floor) == 12 and bool(np.all(np.isfinite(self.camera_to_floor))),
            "camera_to_floor needs 12 finite numbers (3x4 row-major)",
        )
        self.policy_config()  # every limit is checked where it is used

    def rules(self) -> RuleSet:
        return RuleSet.from_yaml(self.rules_file or SHIPPED_RULES)

    def image_zones(self) -> tuple[ImageZone, ...]:
        zones = []
        if self.image_stop_zone:
            zones.append(ImageZone("image_stop_zone", self.image_stop_zone, 0.0))
        if self.image_slow_zone:
            zones.append(ImageZone("image_slow_zone", self.image_slow_zone, self.image_slow_scale))
        return tuple(zones)

    def ssm_parameters(self) -> SsmParameters:
        """The robot and sensing constants of these parameters."""
        return SsmParameters(
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(SsmParameters)}
        )

    def policy_config(self) -> PolicyConfig:
        config = PolicyConfig(
            ssm=self.ssm_parameters(),
            rules=self.rules(),
            robot_zone=RobotZone(
                self.robot_zone_type, self.robot_zone_points, self.robot_zone_radius
            ),
            image_zones=self.image_zones(),
            use_robot_pose=self.use_robot_pose or bool(self.robot_frame),
            **{
                name: getattr(self, name)
                for name in (
                    "skeleton_timeout",
                    "action_timeout",
                    "robot_pose_timeout",
                    "require_actions",
                    "startup_healthy_time",
                    "ramp_down_rate",
                    "ramp_up_rate",
                    "hysteresis",
                    "unlocated_max_scale",
                    "max_future_stamp",
                    "max_clock_offset",
                    "latency_budget",
                    "use_coverage",
                    "coverage_max_scale",
                )
            },
        )
        config.validate()
        return config

    def floor_transform(self) -> np.ndarray:
        return np.asarray(self.camera_to_floor, dtype=np.float64).reshape(3, 4)
