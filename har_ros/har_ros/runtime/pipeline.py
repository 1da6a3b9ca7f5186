"""The pipeline's node table, shared by `har bringup`, the benches and launch/har.launch.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..resources import share_file
from .processes import node_command

#: The pipeline's nodes by short name, in the order they are started.
PIPELINE = ("pose", "action", "safety")
#: What ``nodes`` may name: body_tracker (a camera's own body tracking) replaces pose.
NODE_TABLE = ("pose", "body_tracker", "action", "safety")
SKELETON_SOURCES = ("pose", "body_tracker")
#: The multi-camera cell's stages (launch/cell.launch.py): fusion between pose and action.
CELL_STAGES = ("pose", "fusion", "action", "safety")
#: A cell camera's pose node: person_fusion publishes the cell's REP-155 bodies, so the
#: cameras' own would be duplicates under other ids (1.2 ms a frame each, docs/BENCHMARKS.md).
CAMERA_POSE_PARAMS = {"hri": False}
VIDEO = "video_publisher"


class BringupError(ValueError):
    """A bring-up request that cannot be started; the message says why."""


def default_params() -> Path:
    """config/har.yaml as installed in the package's share directory."""
    return share_file("config", "har.yaml")


def chosen_nodes(text: str, table: tuple[str, ...] = NODE_TABLE) -> list[str]:
    """The short names in a comma-separated list (``pose`` or ``pose_node``), in table order."""
    chosen = {n.strip().removesuffix("_node") for n in text.split(",") if n.strip()}
    unknown = sorted(chosen - set(table))
    if unknown:
        raise BringupError(f"unknown nodes {unknown}; use a subset of {','.join(table)}")
    if set(SKELETON_SOURCES) <= chosen:
        raise BringupError("pose and body_tracker both publish skeletons: choose one")
    return [n for n in table if n in chosen]


@dataclass(frozen=True)
class Bringup:
    """What to start: the launch file's arguments, as `har bringup` takes them."""

    params: str = ""  # empty = the installed config/har.yaml
    nodes: str = ",".join(PIPELINE)
    with_video: str | None = None  # None = no video_publisher; "" = its default video
    namespace: str = ""
    image: str = "image"
    body_tracking: str = "body_tracking_data"
    body_camera_info: str = "depth/camera_info"
    model_path: str = ""
    use_sim_time: bool = False
    composed: bool = False


def _overrides(node: str, request: Bringup) -> tuple[list[str], dict[str, object]]:
    """The node's own remaps and parameters, scoped to it (``node:name``)."""
    remaps, params = [], {}
    if node in (VIDEO, "pose_node") and request.image != "image":
        remaps.append(f"{node}:image:={request.image}")
    if node == "body_tracker_node":
        for topic, given in (
            ("body_tracking_data", request.body_tracking),
            ("depth/camera_info", request.body_camera_info),
        ):
            if given != topic:
                remaps.append(f"{node}:{topic}:={given}")
    if node == VIDEO and request.with_video:
        params[f"{node}:video"] = request.with_video
    if node == "action_node" and request.model_path:
        params[f"{node}:model_path"] = request.model_path
    return remaps, params


def node_commands(request: Bringup) -> dict[str, list[str]]:
    """Process name -> command line; BringupError for a request that cannot run."""
    params_file = request.params or str(default_params())
    if not Path(params_file).is_file():
        raise BringupError(f"parameter file not found: {params_file}")
    chosen = chosen_nodes(request.nodes)
    if request.composed and chosen != list(PIPELINE):
        raise BringupError(f"--composed runs all of {', '.join(PIPELINE)}")
    executables = [f"{n}_node" for n in chosen]
    if request.with_video is not None:
        executables.insert(0, VIDEO)
    common = {"use_sim_time": request.use_sim_time}

    def command(executable: str, nodes: list[str]) -> list[str]:
        remaps, params = [], dict(common)
        for node in nodes:
            node_remaps, node_params = _overrides(node, request)
            remaps += node_remaps
            params.update(node_params)
        return node_command(executable, request.namespace, params, remaps, params_file)

    if request.composed:
        out = {VIDEO: command(VIDEO, [VIDEO])} if request.with_video is not None else {}
        return {**out, "composed": command("composed", executables[-len(PIPELINE) :])}
    return {e: command(e, [e]) for e in executables}
