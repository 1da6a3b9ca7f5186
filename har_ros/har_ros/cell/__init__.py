"""One cell, several cameras: calibration, the cell description, triangulation, fusion (no ROS)."""
