"""Where training runs: devices by name, CUDA where present, torchrun, no ROS needed."""

import json
import subprocess
import sys

import pytest
import torch

from har_ros.action.dataset import save_npz
from har_ros.action.devices import Processes, resolve_device
from har_ros.action.synth import make_dataset
from har_ros.action.train import SettingsError, TrainConfig

CUDA = torch.cuda.is_available()


@pytest.fixture(scope="module")
def tiny_npz(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "tiny.npz"
    data = make_dataset(subjects=4, repetitions=2, seed=3, test_subjects=1, views=("front",))
    save_npz(data, path)
    return path


def test_devices_by_name_and_clear_errors_for_ones_this_machine_lacks():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if CUDA else "cpu")
    with pytest.raises(ValueError, match="must be one of"):
        resolve_device("tpu")
    if not CUDA:
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_device("cuda:0")
        with pytest.raises(SettingsError, match="amp"):
            TrainConfig(amp=True).validate()
    order = torch.arange(10).numpy()
    shards = [Processes(rank, 3).shard(order) for rank in range(3)]
    assert [len(s) for s in shards] == [3, 3, 3]
    assert len({int(i) for shard in shards for i in shard}) == 9  # disjoint


def test_training_needs_neither_ros_nor_rosbags(tmp_path, tiny_npz):
    """A GPU workstation need not have them: har train on npz data imports neither."""
    out = tmp_path / "m.pt"
    code = (
        "import sys\n"
        "for name in ('rclpy', 'rosbags', 'har_msgs'):\n"
        "    sys.modules[name] = None  # importing it now raises ImportError\n"
        "from har_ros.cli.main import main\n"
        f"sys.exit(main(['train', '--data', 'npz:{tiny_npz}', '--epochs', '1',"
        f" '--window', '8', '--threads', '1', '--out', '{out}']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.exists()


def test_torchrun_trains_one_checkpoint_with_two_processes_on_gloo(tmp_path, tiny_npz):
    out = tmp_path / "ddp.pt"
    done = subprocess.run(
        [
            sys.executable, "-m", "torch.distributed.run", "--standalone",
            "--nproc_per_node", "2", "-m", "har_ros.cli.main", "train",
            "--data", f"npz:{tiny_npz}", "--epochs", "12", "--window", "8",
            "--threads", "1", "--device", "cpu", "--out", str(out),
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == 1 and reports[0]["processes"] == 2  # one process writes
    from har_ros.action.checkpoint import load_checkpoint

    history = load_checkpoint(out).training["history"]
    assert min(history["train_loss"][-3:]) < history["train_loss"][0]  # it learned


@pytest.mark.skipif(not CUDA, reason="no CUDA device here: the CUDA path runs where one is")
def test_a_checkpoint_trained_on_cuda_runs_on_the_cpu_node(tmp_path, tiny_npz):
    from har_ros.action.checkpoint import load_checkpoint
    from har_ros.action.loaders import load_spec
    from har_ros.action.recognizer import ActionRecognizer
    from har_ros.action.train import train

    data = load_spec(f"npz:{tiny_npz}")
    checkpoint, _ = train(data, TrainConfig(epochs=2, window=8, device="cuda", amp=True))
    path = tmp_path / "cuda.pt"
    checkpoint.save(path)
    loaded = load_checkpoint(path)
    assert all(t.device.type == "cpu" for t in loaded.state_dict.values())
    assert ActionRecognizer(loaded).model is not None
