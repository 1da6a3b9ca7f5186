"""Drawing for `har demo`: the scene (robot, zones, people, speed panel) and the timeline."""
