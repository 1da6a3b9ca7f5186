# Source this file (`source env.sh`) to get a shell that runs har_ros:
# the venv, ROS 2 paths, the built packages, loopback-only DDS and the `har` CLI.
# shellcheck shell=bash

HAR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)"
export HAR_ROOT

if [ ! -x "$HAR_ROOT/.venv/bin/python" ]; then
  echo "env.sh: $HAR_ROOT/.venv is missing; run 'make setup' first" >&2
  return 1 2>/dev/null || exit 1
fi
export VIRTUAL_ENV="$HAR_ROOT/.venv"
case ":$PATH:" in *":$VIRTUAL_ENV/bin:"*) ;; *) export PATH="$VIRTUAL_ENV/bin:$PATH" ;; esac

# The ROS wheels live in the venv prefix: ament's index must see them.
case ":${AMENT_PREFIX_PATH:-}:" in
  *":$VIRTUAL_ENV:"*) ;;
  *) export AMENT_PREFIX_PATH="$VIRTUAL_ENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}" ;;
esac
# The real ROS 2 tools built by `make setup` from ../shared/ros2_extras, if present.
if [ -f "$HAR_ROOT/.ros2_extras/install/local_setup.bash" ]; then
  # shellcheck disable=SC1091
  COLCON_TRACE="" source "$HAR_ROOT/.ros2_extras/install/local_setup.bash"
fi
if [ -f "$HAR_ROOT/install/setup.bash" ]; then
  # shellcheck disable=SC1091
  COLCON_TRACE="" source "$HAR_ROOT/install/setup.bash"
fi
case ":$PATH:" in
  *":$HAR_ROOT/install/har_ros/lib/har_ros:"*) ;;
  *) export PATH="$HAR_ROOT/install/har_ros/lib/har_ros:$PATH" ;;
esac

# NETWORK RULE: DDS discovery stays on this machine. ROS_LOCALHOST_ONLY is the
# deprecated switch and still multicasts with a custom profile: never use it.
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
unset ROS_LOCALHOST_ONLY ROS_STATIC_PEERS
# A per-user domain for interactive shells; tests pick their own per run.
export ROS_DOMAIN_ID="${ROS_DOMAIN_ID:-$(( ($(id -u) % 80) + 20 ))}"
export RMW_IMPLEMENTATION="${RMW_IMPLEMENTATION:-rmw_fastrtps_cpp}"
export ROS_LOG_DIR="${ROS_LOG_DIR:-${TMPDIR:-/tmp}/har_ros_log}"
# 16 MiB shared-memory segment, so 640x480 images are not dropped.
export FASTDDS_DEFAULT_PROFILES_FILE="$HAR_ROOT/har_ros/config/fastdds_profile.xml"
