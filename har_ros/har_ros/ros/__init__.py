"""Thin ROS glue: message <-> plain-type conversions, graph helpers, QoS.

Only this subpackage and ``har_ros.nodes`` import rclpy or message types.
"""
