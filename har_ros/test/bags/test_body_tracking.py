"""Body-tracking bags users already have: each storage, metadata version and compression."""

import re

import numpy as np
import pytest
from body_tracking_bags import FRAME, START_NS, body_joints, frames_of, moved, write_bag

from har_ros.action.dataset import DatasetError
from har_ros.action.labels import LabelInterval, write_labels
from har_ros.bags.body_tracking import (
    NOMINAL_CAMERA,
    body_tracks,
    read_body_tracking,
    skeleton_frames,
)
from har_ros.bags.io import BagError
from har_ros.cli.data import load_data as load_spec

VARIANTS = [
    ("sqlite3", 4, "none", "ROS2_FOXY"),  # Foxy: no type definitions, Foxy's Marker
    ("sqlite3", 5, "none", "ROS2_HUMBLE"),
    ("sqlite3", 6, "none", "ROS2_HUMBLE"),
    ("sqlite3", 7, "none", "ROS2_KILTED"),
    ("sqlite3", 8, "none", "ROS2_KILTED"),
    ("sqlite3", 9, "none", "ROS2_KILTED"),
    ("mcap", 6, "none", "ROS2_HUMBLE"),
    ("mcap", 8, "none", "ROS2_KILTED"),
    ("mcap", 9, "none", "ROS2_KILTED"),
    ("sqlite3", 8, "file", "ROS2_KILTED"),
    ("sqlite3", 8, "message", "ROS2_KILTED"),
    ("mcap", 8, "file", "ROS2_KILTED"),
    ("mcap", 9, "message", "ROS2_KILTED"),
]


@pytest.mark.parametrize(
    "storage, version, compression, distro",
    VARIANTS,
    ids=[f"{s}-v{v}-{c}-{d[5:].lower()}" for s, v, c, d in VARIANTS],
)
def test_every_recorded_variant_reads_back_the_joints_written(
    tmp_path, storage, version, compression, distro
):
    frames = frames_of(1.0, fps=10, bodies=(3, 8))
    bag = write_bag(tmp_path / "clip", frames, storage, version, compression, distro)
    messages, camera = read_body_tracking(bag)
    assert len(messages) == len(frames) and camera is not None
    assert camera.width == 640 and camera.k[0, 0] == 504.0
    tracks = body_tracks(bag)
    assert sorted(tracks) == [3, 8]
    stamps = [t for t, _ in tracks[3]]
    assert stamps[0] == pytest.approx(START_NS * 1e-9) and len(stamps) == len(frames)
    for (_, sample), (_, bodies) in zip(tracks[8], frames, strict=True):
        np.testing.assert_allclose(sample[:, :3], bodies[8], atol=1e-9)
        assert np.all(sample[:, 3] == 1.0)


def test_a_bag_whose_metadata_names_the_recorders_folder_reads(tmp_path):
    (tmp_path / "copied").mkdir()
    bag = moved(write_bag(tmp_path / "clip", frames_of(0.5)), tmp_path / "copied")
    assert len(body_tracks(bag)[1]) == 8


def test_bodies_spread_over_arrays_are_one_frame_and_get_fresh_track_ids(tmp_path):
    frames = frames_of(0.4, fps=10, bodies=(5, 6))
    bag = write_bag(tmp_path / "split", frames, split_bodies=True, camera=False)
    skeletons, body_of = skeleton_frames(bag)
    assert len(skeletons) == len(frames)
    assert all(len(f.people) == 2 for f in skeletons)
    assert body_of == {0: 5, 1: 6}
    person = skeletons[0].people[0]
    assert skeletons[0].frame_id == FRAME and person.layout == "k4abt32"
    assert (skeletons[0].width, skeletons[0].height) == (NOMINAL_CAMERA.width, 576)
    np.testing.assert_allclose(person.keypoints_3d, body_joints(0.0, 5), atol=1e-6)


def test_broken_bags_are_clear_errors(tmp_path):
    with pytest.raises(BagError, match="not a rosbag2 directory"):
        read_body_tracking(tmp_path)
    bag = write_bag(tmp_path / "clip", frames_of(0.2))
    with pytest.raises(BagError, match="no MarkerArray topic '/other'"):
        read_body_tracking(bag, "/other")
    (bag / "metadata.yaml").write_text("rosbag2_bagfile_information: {version: 8}\n")
    with pytest.raises(BagError, match="cannot read bag"):
        read_body_tracking(bag)
    bag = write_bag(tmp_path / "truncated", frames_of(0.2))
    (db,) = bag.glob("*.db3")
    db.write_bytes(db.read_bytes()[:2000])
    with pytest.raises(BagError, match="cannot read bag"):
        body_tracks(bag)


def _clips(root, names, seconds=0.6):
    root.mkdir()
    for name in names:
        write_bag(root / name, frames_of(seconds, fps=10, bodies=(2,)))
    return root


def test_a_folder_of_clips_labelled_by_a_name_pattern_is_a_3d_dataset(tmp_path):
    root = _clips(tmp_path / "clips", ["s1_a1_t1", "s2_a2_t1", "s3_a1_t2"])
    data = load_spec(f"bag:{root}?pattern=s{{subject}}_a{{label}}_*&classes=1:waiting,2:opening")
    assert data.class_names == ["waiting", "opening"]
    assert list(data.labels) == [0, 1, 0] and list(data.subjects) == [1, 2, 3]
    assert data.channels == ("x", "y", "z", "score") and data.layout.name == "k4abt32"
    assert data.sequences[0].shape == (6, 32, 4)
    coco = load_spec(f"bag:{root}?pattern=s{{subject}}_a{{label}}_*&layout=coco17")
    assert coco.class_names == ["1", "2"] and coco.sequences[0].shape == (6, 17, 4)


@pytest.mark.parametrize(
    "query, why",
    [
        ("pattern=s{subject}_b{label}_*", "3 of 3 clips do not match"),
        ("pattern=s{subject}_a{label}_*&classes=1:waiting", "label value '2' is not in classes"),
        ("pattern=s{subject}_a_*", "has no {label}"),
        ("pattern=s{subject}_a{label}_*&classes=1", "VALUE:NAME"),
        ("labels=x.csv", "unknown options"),
        ("", "has no labels.csv"),
    ],
)
def test_clips_that_match_nothing_and_bad_options_are_clear_errors(tmp_path, query, why):
    root = _clips(tmp_path / "clips", ["s1_a1_t1", "s2_a2_t1", "s3_a1_t2"], seconds=0.2)
    with pytest.raises(DatasetError, match=re.escape(why)):
        load_spec(f"bag:{root}?{query}")


def test_a_labels_csv_names_the_trackers_body_ids(tmp_path):
    bag = write_bag(tmp_path / "shift", frames_of(1.0, fps=10, bodies=(4, 9)))
    t0 = START_NS * 1e-9
    write_labels(
        bag / "labels.csv",
        [LabelInterval(4, t0, t0 + 0.5, "waiting"), LabelInterval(None, t0 + 0.5, t0 + 1, "idle")],
        {"subject": "7"},
    )
    data = load_spec(f"bag:{bag}")
    assert data.class_names == ["idle", "waiting"]
    # body 4 waits for 0.5 s; then both are idle (``*``)
    lengths = [len(s) for s in data.sequences]
    assert sorted(zip(data.labels, lengths, strict=True)) == [(0, 5), (0, 5), (1, 5)]
    assert set(data.subjects) == {7}
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no rosbag2 directory"):
        load_spec(f"bag:{tmp_path / 'empty'}")


def test_one_har_train_and_one_har_eval_command_on_recorded_clips(tmp_path, har):
    """A folder of Foxy-era and mcap clips, labelled by name: 3D in, a 3D checkpoint out."""
    root = tmp_path / "clips"
    root.mkdir()
    for i, (storage, version, distro) in enumerate(
        [("sqlite3", 4, "ROS2_FOXY"), ("mcap", 9, "ROS2_KILTED")] * 2
    ):
        write_bag(
            root / f"s{i % 2 + 1}_a{i // 2 + 1}_t1",
            frames_of(1.2, fps=15, bodies=(i + 1,)),
            storage,
            version,
            distro=distro,
        )
    data = f"bag:{root}?pattern=s{{subject}}_a{{label}}_*&classes=1:waiting,2:opening"
    out = tmp_path / "mine3d.pt"
    har(
        "train", "--data", data, "--epochs", "2", "--window", "8", "--threads", "1",
        "--rotate", "face_camera", "--out", str(out), check=True,
    )  # fmt: skip
    from har_ros.action.checkpoint import load_checkpoint

    checkpoint = load_checkpoint(out)
    assert checkpoint.channels == ("x", "y", "z", "score") and checkpoint.layout.name == "k4abt32"
    assert checkpoint.normalisation.rotate == "face_camera"
    done = har("eval", "--ckpt", str(out), "--data", data, "--json", "--no-robustness", check=True)
    assert '"n": 4' in done.stdout


def test_a_foxy_bag_that_starts_with_nobody_in_view_reads(tmp_path):
    """An empty MarkerArray reads the same in every distro: the markers decide."""
    frames = [(START_NS - 10**8, {}), *frames_of(0.4, fps=10)]
    bag = write_bag(tmp_path / "foxy", frames, "sqlite3", 4, distro="ROS2_FOXY")
    assert len(body_tracks(bag)[1]) == 4


@pytest.mark.parametrize(
    "query, why",
    [
        ("pattern=s{subject}_a{label}_*&classes=1:wave,2:wave", "one name to several values"),
        ("pattern=s{subject}_a{label}_*&classes=1:wave,1:walk", "names value '1' twice"),
        ("pattern=s{subject}_a{label}_*&pattern=x", "given twice"),
    ],
)
def test_class_maps_that_say_two_things_are_refused(tmp_path, query, why):
    root = _clips(tmp_path / "clips", ["s1_a1_t1", "s2_a2_t1"], seconds=0.2)
    with pytest.raises(DatasetError, match=why):
        load_spec(f"bag:{root}?{query}")


def test_a_subject_that_is_no_plain_number_is_a_clear_error(tmp_path):
    root = _clips(tmp_path / "clips", ["s\u00b2_a1_t1"], seconds=0.2)
    with pytest.raises(DatasetError, match="subject must be a number"):
        load_spec(f"bag:{root}?pattern=s{{subject}}_a{{label}}_*")
