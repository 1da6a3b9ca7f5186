"""rosbag2 files without rosbag2: written and read with `rosbags` (mcap storage, cdr)."""
