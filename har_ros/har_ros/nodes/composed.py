"""pose_node, action_node and safety_node in one process (a composed bring-up).

Saves two interpreters and the model loads on a small cell PC; the nodes still
talk over their topics, so remapping, parameters and tools work unchanged.
"""

from __future__ import annotations

import sys

from ..ros.spin import run_nodes
from .action_node import ActionNode
from .pose_node import PoseNode
from .safety_node import SafetyNode


def main(args=None) -> None:
    sys.exit(run_nodes([PoseNode, ActionNode, SafetyNode], args))


if __name__ == "__main__":
    main()
