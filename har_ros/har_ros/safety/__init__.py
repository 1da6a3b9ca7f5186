"""Speed and separation monitoring (ISO/TS 15066) with action-aware rules, no ROS.

This is an additional, non-rated protective layer; it does not replace a
safety-rated system.
"""
