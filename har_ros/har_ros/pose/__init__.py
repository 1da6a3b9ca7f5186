"""Images to tracked multi-person skeletons: decoding, backends, tracking, 3D positions (no ROS)."""
