"""The `har` entry point and the asset cache."""

import hashlib

import pytest

from har_ros import assets
from har_ros.cli.main import COMMANDS, main


def test_help_lists_every_command(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


def test_help_names_every_trainable_model(capsys):
    from har_ros.action.models import MODEL_DEFAULTS

    assert main([]) == 0
    words = capsys.readouterr().out.split()  # the help wraps a long entry onto more lines
    train_entry = words[words.index("train") : words.index("eval")]
    assert all(name in train_entry for name in MODEL_DEFAULTS), (train_entry, list(MODEL_DEFAULTS))


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2


def test_asset_hash_mismatch_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HAR_CACHE_DIR", str(tmp_path))
    with pytest.raises(assets.AssetError, match="make setup"):
        assets.asset_path("sports2d_demo.mp4")
    with pytest.raises(assets.AssetError, match="unknown asset"):
        assets.asset_path("nope.bin")
    payload = b"payload"
    fake = assets.Asset("x.bin", "unused==0", ("a",), hashlib.sha256(b"other").hexdigest(), "-")
    monkeypatch.setattr(assets, "_extract", lambda wheel, members: payload)
    monkeypatch.setattr(assets.subprocess, "run", lambda *a, **k: (tmp_path / "w.whl").touch())
    monkeypatch.setattr(assets.tempfile, "TemporaryDirectory", lambda: _Dir(tmp_path))
    with pytest.raises(assets.AssetError, match="sha256"):
        assets.fetch(fake)
    assert not (tmp_path / "x.bin").exists()


class _Dir:
    def __init__(self, path):
        self.path = path

    def __enter__(self):
        return str(self.path)

    def __exit__(self, *exc):
        return False
