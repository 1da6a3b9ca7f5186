"""Skeleton layouts, conversions between them and the plain person/frame types (no ROS)."""
