"""`har info`: what this environment has, for bug reports and set-up checks."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform

from ..assets import ASSETS, cache_dir

_ENV_VARS = (
    "ROS_DOMAIN_ID",
    "ROS_AUTOMATIC_DISCOVERY_RANGE",
    "RMW_IMPLEMENTATION",
    "ROS_LOG_DIR",
    "FASTDDS_DEFAULT_PROFILES_FILE",
    "AMENT_PREFIX_PATH",
)
_PACKAGES = ("rclpy", "torch", "numpy", "opencv-python-headless", "ai-edge-litert", "rosbags")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 unless the messages import and discovery is loopback-only",
    )


def run(args: argparse.Namespace) -> int:
    print(f"python   {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    for name in _PACKAGES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "not installed"
        print(f"{name:24s} {version}")
    for var in _ENV_VARS:
        print(f"{var:32s} {os.environ.get(var, '(unset)')}")
    for asset in ASSETS.values():
        state = "cached" if (cache_dir() / asset.name).is_file() else "MISSING"
        print(f"asset {asset.name:36s} {state}")
    try:
        from har_msgs.msg import ActionArray, SafetyStatus, SkeletonArray  # noqa: F401

        msgs_ok = True
    except ImportError as exc:
        print(f"har_msgs: NOT importable ({exc}); run `make setup` and `source env.sh`")
        msgs_ok = False
    else:
        print("har_msgs                 importable")
    loopback = os.environ.get("ROS_AUTOMATIC_DISCOVERY_RANGE") == "LOCALHOST"
    if not loopback:
        print("WARNING: ROS_AUTOMATIC_DISCOVERY_RANGE is not LOCALHOST (source env.sh)")
    return 0 if (msgs_ok and loopback) or not args.check else 1
