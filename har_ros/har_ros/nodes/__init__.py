"""The ROS 2 nodes: thin shells that convert messages and call the pure logic."""
