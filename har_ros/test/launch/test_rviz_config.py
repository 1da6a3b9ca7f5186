"""config/cell.rviz, as installed, shows what the nodes publish, in the frame they publish it in."""

import yaml

from har_ros.cell.description import default_cell_file, load_cell
from har_ros.resources import share_file


def test_rviz_config_points_at_the_markers_and_the_cell_frame():
    config = yaml.safe_load(share_file("config", "cell.rviz").read_text())
    manager = config["Visualization Manager"]
    displays = {d["Class"]: d for d in manager["Displays"]}
    assert displays["rviz_default_plugins/MarkerArray"]["Topic"]["Value"] == "/safety/markers"
    assert displays["rviz_default_plugins/Image"]["Topic"]["Value"] == "/cam01/image"
    assert "rviz_default_plugins/TF" in displays
    cell_frame = load_cell(default_cell_file()).cell_frame
    assert manager["Global Options"]["Fixed Frame"] == cell_frame
    assert manager["Views"]["Current"]["Target Frame"] == cell_frame
