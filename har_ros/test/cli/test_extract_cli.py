"""`har extract` on clips cut from the real demo video, as a user runs it."""

import cv2
import numpy as np
import pytest

from har_ros.action.dataset import load_npz
from har_ros.assets import AssetError, asset_path


def _video_frames(first: int, count: int) -> list[np.ndarray]:
    try:
        capture = cv2.VideoCapture(str(asset_path("sports2d_demo.mp4")))
    except AssetError as exc:
        pytest.skip(f"demo video not cached: {exc}")
    frames = []
    while len(frames) < first + count:
        ok, bgr = capture.read()
        assert ok, "the demo video is shorter than expected"
        frames.append(cv2.resize(bgr, (640, 360)))
    return frames[first:]


def _write(path, frames) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (640, 360))
    for frame in frames:
        writer.write(frame)
    writer.release()


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("videos")
    _write(root / "walking" / "s01_clip.mp4", _video_frames(40, 45))
    _write(root / "walking" / "s02_clip.mp4", _video_frames(90, 45))
    _write(root / "standing" / "s03_clip.mp4", _video_frames(140, 45))
    session = root / "session_s04.mp4"  # a longer take labelled per person
    _write(session, _video_frames(40, 60))
    (root / "session_s04.mp4.labels.csv").write_text(
        "track_id,start,end,label\n*,0.0,1.0,walking\n*,1.0,2.0,standing\n"
    )
    return root


def test_class_folders_and_labelled_videos_become_a_dataset(har, videos, tmp_path):
    out = tmp_path / "data.npz"
    done = har("extract", str(videos), "--out", str(out), "--test-subjects", "2")
    assert done.returncode == 0, done.stderr
    data = load_npz(out)
    assert sorted(data.class_names) == ["standing", "walking"]
    assert len(data) == 5 and data.layout.name == "coco17"
    assert sorted(data.subjects.tolist()) == [1, 2, 3, 4, 4]
    assert data.split[data.subjects == 2].tolist() == ["test"]
    for clip in data.sequences:
        assert len(clip) >= 8 and (clip[..., 2] > 0).mean() > 0.5  # a person in most joints
    assert "videos:" in done.stderr  # the progress bar


def test_a_second_run_reads_the_cache_and_redoes_only_what_is_missing(har, videos, tmp_path):
    out = tmp_path / "data.npz"
    assert har("extract", str(videos), "--out", str(out)).returncode == 0
    parts = sorted((tmp_path / "data.npz.parts").iterdir())
    assert len(parts) == 4
    first = load_npz(out)
    stamps = {p.name: p.stat().st_mtime_ns for p in parts}
    parts[0].unlink()  # as if the run had stopped before this video
    assert har("extract", str(videos), "--out", str(out)).returncode == 0
    again = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "data.npz.parts").iterdir()}
    assert set(again) == set(stamps)
    assert [n for n in again if again[n] != stamps[n]] == [parts[0].name]
    second = load_npz(out)
    assert all(np.array_equal(a, b) for a, b in zip(first.sequences, second.sequences, strict=True))


def test_a_video_without_people_is_named_and_the_rest_is_kept(har, videos, tmp_path):
    root = tmp_path / "videos"
    root.mkdir()
    for item in videos.iterdir():
        (root / item.name).symlink_to(item)
    _write(root / "empty" / "s05_nobody.mp4", [np.zeros((360, 640, 3), np.uint8)] * 30)
    (root / "walking2").mkdir()
    (root / "walking2" / "broken.mp4").write_bytes(b"not a video")
    out = tmp_path / "data.npz"
    done = har("extract", str(root), "--out", str(out))
    assert done.returncode == 1
    assert "s05_nobody.mp4: no person found" in done.stderr
    assert "broken.mp4: cannot open video" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(load_npz(out)) == 5
