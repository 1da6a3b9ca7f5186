"""`har train` as a user runs it: the auto recipe reported, features and streams, bad values."""

import json
import subprocess
import sys

import pytest


def har(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "har_ros.cli.main", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "s.npz"
    done = har("synth", "--out", str(path), "--subjects", "4", "--repetitions", "1",
               "--test-subjects", "1")
    assert done.returncode == 0, done.stderr
    return path


def test_defaults_report_what_the_recipe_chose(data, tmp_path):
    done = har("train", "--data", f"npz:{data}", "--out", str(tmp_path / "m.pt"),
               "--epochs", "2", "--threads", "1")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert any(r.startswith("validation: none") for r in summary["recipe"])
    assert any(r.startswith("mirror: on") for r in summary["recipe"])


def test_a_stream_ensemble_trains_and_evaluates(data, tmp_path):
    ckpt = tmp_path / "streams.pt"
    done = har("train", "--data", f"npz:{data}", "--out", str(ckpt), "--epochs", "1",
               "--threads", "1", "--features", "position,motion,bone",
               "--model-config", '{"streams": 3}')
    assert done.returncode == 0, done.stderr
    done = har("eval", "--ckpt", str(ckpt), "--data", f"npz:{data}", "--no-robustness", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["n"] == 20


@pytest.mark.parametrize("args, message", [
    (["--features", "position,speed"], "features must be distinct names"),
    (["--mirror", "sometimes"], "invalid choice"),
    (["--epochs", "0"], "epochs must be at least 1")])
def test_bad_settings_are_named(data, tmp_path, args, message):
    done = har("train", "--data", f"npz:{data}", "--out", str(tmp_path / "x.pt"), *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (tmp_path / "x.pt").exists()


def test_flag_defaults_are_the_train_configs():
    import argparse
    import dataclasses

    from har_ros.action.train import TrainConfig
    from har_ros.cli.train import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    flags = vars(parser.parse_args(["--data", "npz:x.npz", "--out", "m.pt"]))
    flags["rate_hz"] = flags.pop("rate")
    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)
                if f.default is not dataclasses.MISSING}
    shared = sorted(set(flags) & set(defaults))
    assert len(shared) >= 20, shared
    assert {k: flags[k] for k in shared} == {k: defaults[k] for k in shared}
