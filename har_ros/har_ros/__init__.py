"""har_ros: human action recognition and speed-and-separation monitoring for robot cells.

Pure logic lives in ROS-free subpackages (skeleton, pose, action, safety);
the ROS nodes in ``har_ros.nodes`` only convert messages and call that logic.
"""

import os

# torch's OpenMP threads wait for each other at every operation; by default they spin,
# so one core taken by another process (a node beside a training, a second camera)
# stalls each of them for a time slice. Sleeping waits cost nothing on an idle machine
# (docs/BENCHMARKS.md). Set here, before anything imports torch; a user's value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
