"""From a recording to a deployed model, with the commands a cell integrator runs.

A generated recording (a skeleton bag of three workers) is labelled through
the `har label` server with the cell's own classes, checked, trained on,
evaluated on a second recording, and deployed by setting ``model_path`` on a
running action node: ``/action`` then speaks the new classes.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.request

import pytest
from rcl_interfaces.srv import SetParameters
from rclpy.parameter import Parameter

from har_msgs.msg import ActionArray
from har_ros.action.labels import format_labels, read_labels
from har_ros.action.synth import make_stream, save_stream
from har_ros.ros.graph import call_service, spin_until, wait_for_publishers

pytestmark = pytest.mark.graph
#: The cell's own class list: door work or not.
CELL_CLASSES = {
    "opening_door": "door",
    "closing_door": "door",
    "waiting": "other",
    "extracting_drawers_and_shelves": "other",
    "changing_side": "other",
}


def relabelled(truth):
    return [
        {"track": iv.track_id, "start": iv.start, "end": iv.end, "label": CELL_CLASSES[iv.label]}
        for iv in truth
    ]


def label_through_the_server(processes, bag):
    """What a person does in the page, sent as the page sends it (the page has its own test)."""
    truth = read_labels(bag / "labels.csv")
    shutil.move(bag / "labels.csv", bag.parent / f"{bag.name}_truth.csv")
    proc = processes.start(
        "label", str(bag), "--classes", "door,other", "--port", "0", module="har_ros.cli.main"
    )
    deadline = time.monotonic() + 60
    while not (found := re.search(r"http://127\.0\.0\.1:\d+/", processes.output(proc))):
        assert proc.poll() is None and time.monotonic() < deadline, processes.output(proc)
        time.sleep(0.1)
    with urllib.request.urlopen(found.group(0), timeout=30) as page:  # its token, as the page
        token = re.search(r'name="har-token" content="([^"]+)"', page.read().decode()).group(1)
    body = json.dumps({"segments": relabelled(truth)}).encode()
    request = urllib.request.Request(
        found.group(0) + "api/labels",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Har-Token": token},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.loads(response.read())["ok"]
    proc.terminate()
    proc.wait(timeout=10)


def test_record_label_train_eval_deploy(har, ros_node, processes, topic_prefix, tmp_path):
    def har_ok(*args: str):
        return har(*args, timeout=600, check=True)

    train_bag, test_bag = tmp_path / "cell_day1", tmp_path / "cell_day2"
    har_ok(
        "synth",
        "--scenario",
        "--out",
        str(train_bag),
        "--people",
        "3",
        "--seconds",
        "90",
        "--seed",
        "11",
    )
    har_ok(
        "synth",
        "--scenario",
        "--out",
        str(test_bag),
        "--people",
        "2",
        "--seconds",
        "40",
        "--seed",
        "12",
    )
    label_through_the_server(processes, train_bag)
    truth = read_labels(test_bag / "labels.csv")
    (test_bag / "labels.csv").write_text(
        format_labels(
            [type(iv)(iv.track_id, iv.start, iv.end, CELL_CLASSES[iv.label]) for iv in truth],
            {"classes": "door,other"},
        )
    )
    har_ok("dataset", "check", f"bag:{train_bag}")
    model = tmp_path / "cell.pt"
    trained = json.loads(
        har_ok(
            "train",
            "--data",
            f"bag:{train_bag}",
            "--out",
            str(model),
            "--epochs",
            "30",
            "--sampling",
            "crop",
            "--rate",
            "15",
            "--stride",
            "3",
            "--threads",
            "2",
        ).stdout.splitlines()[-1]
    )
    assert trained["train_sequences"] > 10
    report = json.loads(
        har_ok(
            "eval",
            "--ckpt",
            str(model),
            "--data",
            f"bag:{test_bag}",
            "--split",
            "all",
            "--no-robustness",
            "--json",
            "--out-dir",
            str(tmp_path / "eval"),
        ).stdout
    )
    assert report["n"] > 5 and (tmp_path / "eval" / "confusion_matrix.png").is_file()
    assert report["top1"] > 0.5  # two classes: better than chance on an unseen recording

    # the running node (shipped model) gets the new checkpoint
    received: list[ActionArray] = []
    sub = ros_node.create_subscription(ActionArray, f"{topic_prefix}/action", received.append, 100)
    processes.start("--ros-args", "-r", f"__ns:={topic_prefix}", module="har_ros.nodes.action_node")
    client = ros_node.create_client(SetParameters, f"{topic_prefix}/action_node/set_parameters")
    spin_until(ros_node, client.service_is_ready, timeout=30, what="the parameter service")
    result = call_service(
        ros_node,
        client,
        SetParameters.Request(
            parameters=[Parameter("model_path", value=str(model)).to_parameter_msg()]
        ),
        timeout=30,
        attempt_timeout=10,
    ).results[0]
    assert result.successful, result.reason
    wait_for_publishers(ros_node, sub, timeout=20)
    stream = tmp_path / "live.npz"
    save_stream(make_stream(people=2, seconds=12, seed=13), stream, 30.0)
    publisher = processes.start(
        f"{topic_prefix}/skeletons", str(stream), "now", script="publish_stream.py"
    )
    spin_until(ros_node, lambda: publisher.poll() is not None, timeout=60, what="the stream")
    spin_until(ros_node, lambda: any(m.actions for m in received), timeout=10, what="actions")
    assert {tuple(m.class_names) for m in received} == {("door", "other")}
    labels = {a.label for m in received for a in m.actions}
    assert labels <= {"door", "other", "unknown"} and labels & {"door", "other"}
