"""Dataset format, loaders (UTD-MHAD, OpenPose JSON, custom layouts) and label files."""

import json
from pathlib import Path

import numpy as np
import pytest

from har_ros.action.dataset import DatasetError, SequenceDataset, load_npz, save_npz
from har_ros.action.loaders import load_openpose, load_spec, load_utd_mhad
from har_ros.skeleton.layouts import COCO17, Layout

# ../shared beside the repository (the repo root is three folders up from here)
UTD = Path(__file__).resolve().parents[4] / "shared" / "datasets" / "utd_mhad" / "skeleton"


def tiny(layout=COCO17, n=4) -> SequenceDataset:
    rng = np.random.default_rng(0)
    seqs = [rng.uniform(0, 1, (5 + i, layout.num_joints, 3)).astype(np.float32) for i in range(n)]
    return SequenceDataset(
        seqs,
        [i % 2 for i in range(n)],
        ["a", "b"],
        list(range(n)),
        layout,
        split=np.array(["train", "train", "test", "val"][:n]),
    )


def test_npz_round_trip_with_a_custom_layout(tmp_path):
    arm = Layout("arm3", ("shoulder", "elbow", "wrist"), ((0, 1), (1, 2)))
    data = tiny(arm)
    save_npz(data, tmp_path / "d.npz")
    back = load_npz(tmp_path / "d.npz")
    assert back.layout == arm and back.class_names == ["a", "b"]
    assert [len(s) for s in back.sequences] == [5, 6, 7, 8]
    np.testing.assert_array_equal(back.sequences[2], data.sequences[2])
    assert list(back.split) == ["train", "train", "test", "val"]


def test_saving_is_atomic_and_names_the_file_numpy_writes(tmp_path, monkeypatch):
    """Found and fixed: a save that failed half-way left a truncated dataset in place."""
    save_npz(tiny(), tmp_path / "d.npz")
    before = (tmp_path / "d.npz").read_bytes()

    def disk_full(file, **arrays):
        out = open(file, "wb") if isinstance(file, str | Path) else file  # noqa: SIM115
        out.write(b"PK\x03\x04 half a zip")
        out.flush()
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "savez_compressed", disk_full)
    with pytest.raises(OSError, match="No space"):
        save_npz(tiny(n=3), tmp_path / "d.npz")
    assert (tmp_path / "d.npz").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npz"]
    monkeypatch.undo()
    assert save_npz(tiny(), tmp_path / "e") == tmp_path / "e.npz"  # as savez names it
    assert len(load_npz(tmp_path / "e.npz")) == 4


def test_bad_dataset_files_give_clear_errors(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load_npz(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_bytes(b"garbage")
    with pytest.raises(DatasetError, match="not a har_ros dataset"):
        load_npz(tmp_path / "junk.npz")
    with pytest.raises(DatasetError, match="KIND:PATH"):
        load_spec("just/a/path")
    with pytest.raises(DatasetError, match="unknown data kind"):
        load_spec("csv:x")
    with pytest.raises(DatasetError, match="expected"):
        SequenceDataset([np.zeros((3, 5, 3))], [0], ["a"], [0], COCO17)


@pytest.mark.dataset
@pytest.mark.skipif(not UTD.is_dir(), reason="UTD-MHAD not in ../shared/datasets")
def test_utd_mhad_cross_subject_split():
    data = load_utd_mhad(UTD)
    assert len(data) == 861 and len(data.class_names) == 27
    assert data.layout.name == "utd_kinect20" and data.channels == ("x", "y", "score")
    train_subjects = set(data.subjects[data.split == "train"].tolist())
    assert train_subjects == {1, 3, 5, 7}
    assert set(data.subjects[data.split == "test"].tolist()) == {2, 4, 6, 8}
    head = data.sequences[0][:, 0]
    hip = data.sequences[0][:, 3]
    assert np.all(head[:, 1] > hip[:, 1])  # Kinect y is up: the head is above the hips


def test_openpose_json_folders(tmp_path):
    for label in ("wave", "wait"):
        video = tmp_path / label / "clip_s3"
        video.mkdir(parents=True)
        for frame in range(4):
            kp = np.full((25, 3), frame + 1.0).ravel().tolist()
            (video / f"f{frame:03d}_keypoints.json").write_text(
                json.dumps({"people": [{"pose_keypoints_2d": kp}]})
            )
        (video / "f004_keypoints.json").write_text(json.dumps({"people": []}))
    data = load_openpose(tmp_path)
    assert data.class_names == ["wait", "wave"] and data.layout.name == "openpose18"
    assert data.sequences[0].shape == (5, 18, 3) and set(data.subjects.tolist()) == {3}
    assert np.all(data.sequences[0][4] == 0)  # nobody in that frame


def test_with_classes_reindexes_by_name():
    data = tiny()  # classes a, b; labels 0, 1, 0, 1
    moved = data.with_classes(["x", "b", "a"])
    assert moved.class_names == ["x", "b", "a"] and moved.labels.tolist() == [2, 1, 2, 1]
    with pytest.raises(DatasetError, match=r"classes \['a'\] are not among"):
        data.with_classes(["b"])
