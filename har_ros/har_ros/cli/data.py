"""``--data KIND:PATH`` for every command: the action loaders with the bag kind registered."""

from __future__ import annotations


def load_data(spec: str):
    """The dataset ``spec`` names (npz, utd_mhad, openpose, pyskl or bag)."""
    from ..action.loaders import load_spec

    if spec.startswith("bag:"):  # rosbags only where a bag is read: training needs no ROS
        from ..bags import recordings  # noqa: F401 (registers the bag: kind)

    return load_spec(spec)
