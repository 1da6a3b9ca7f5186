"""har_ros: human action recognition and speed-and-separation monitoring for robot cells.

Pure logic lives in ROS-free subpackages (skeleton, pose, action, safety);
the ROS nodes in ``har_ros.nodes`` only convert messages and call that logic.
"""

__version__ = "0.1.0"
