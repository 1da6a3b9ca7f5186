import numpy as np
import pytest

from har_ros.action.dataset import DatasetError
from har_ros.action.extract import Segment, VideoJob, clips_of, extract, find_jobs
from har_ros.pose.video_tracks import VideoError, VideoTracks, main_track


def _tracks(people: dict[int, tuple[range, float]], frames=30) -> VideoTracks:
    """Tracks seen in the given frames with the given box size."""
    rows = [(f, t, size) for t, (span, size) in people.items() for f in span]
    kp = np.ones((len(rows), 17, 3), np.float32)
    for k, (f, t, _) in enumerate(rows):
        kp[k, :, 0] = 10 * t + f  # a value that tells track and frame apart
    return VideoTracks(
        30.0,
        640,
        360,
        "coco17",
        np.arange(frames) / 30.0,
        np.array([r[0] for r in rows], int),
        np.array([r[1] for r in rows], int),
        kp,
        np.array([[0, 0, r[2], r[2]] for r in rows], np.float32).reshape(-1, 4),
    )


def test_main_person_is_most_present_and_largest():
    # summed box area over frames: 30 * 10² < 10 * 40², but 30 * 10² > 1 * 40²
    assert main_track(_tracks({1: (range(0, 30), 10.0), 2: (range(0, 10), 40.0)})) == 2
    tracks = _tracks({1: (range(0, 30), 10.0), 2: (range(0, 1), 40.0)})
    assert main_track(tracks) == 1
    assert main_track(tracks, 0.0, 1 / 30) == 2
    assert main_track(_tracks({})) is None


def test_clips_follow_segments_tracks_and_trim_absent_frames():
    tracks = _tracks({1: (range(5, 25), 10.0), 2: (range(0, 30), 5.0)})
    job = VideoJob(None, [Segment("walk")])
    ((label, clip),) = clips_of(job, tracks)
    assert label == "walk" and len(clip) == 20 and clip[0, 0, 0] == 10 + 5
    per_track = VideoJob(None, [Segment("wait", 2, 0.0, 0.5), Segment("walk", 1, 0.5, 1.0)])
    clips = clips_of(per_track, tracks)
    assert [(lb, len(c)) for lb, c in clips] == [("wait", 15), ("walk", 10)]
    assert clips[1][1][0, 0, 0] == 10 + 15
    assert len(clips_of(VideoJob(None, [Segment("x")]), tracks, person="all")) == 2
    assert clips_of(VideoJob(None, [Segment("x", 1, 0.0, 0.1)]), tracks) == []  # < 8 frames


def test_videos_without_clips_are_skipped_with_the_reason(tmp_path):
    seen = {
        tmp_path / "a.mp4": _tracks({1: (range(30), 9.0)}),
        tmp_path / "b.mp4": _tracks({}),
        tmp_path / "c.mp4": VideoError("cannot open video c.mp4"),
    }

    def track(video):
        if isinstance(seen[video], Exception):
            raise seen[video]
        return seen[video]

    jobs = [
        VideoJob(tmp_path / "a.mp4", [Segment("walk")], subject=3),
        VideoJob(tmp_path / "b.mp4", [Segment("wait")]),
        VideoJob(tmp_path / "c.mp4", [Segment("walk")]),
    ]
    result = extract(jobs, ["walk", "wait"], track, test_subjects=(3,))
    assert result.dataset.class_names == ["walk"] and result.dataset.split.tolist() == ["test"]
    assert result.skipped == {
        str(tmp_path / "b.mp4"): "no person found",
        str(tmp_path / "c.mp4"): "cannot open video c.mp4",
        "class 'wait'": "no clip extracted; left out of the classes",
    }
    assert extract(jobs[1:2], ["wait"], track).dataset is None


def test_find_jobs_reads_class_folders_and_label_files(tmp_path):
    (tmp_path / "walking").mkdir()
    (tmp_path / "walking" / "s04_cam2.mp4").write_bytes(b"")
    (tmp_path / "session.mp4").write_bytes(b"")
    (tmp_path / "session.mp4.labels.csv").write_text(
        "# subject: 7\ntrack_id,start,end,label\n*,0,1,waiting\n3,1,2,walking\n"
    )
    jobs, classes = find_jobs(tmp_path)
    by_name = {j.video.name: j for j in jobs}
    assert classes == ["waiting", "walking"]
    assert by_name["session.mp4"].subject == 7
    assert by_name["session.mp4"].segments == [
        Segment("waiting", None, 0.0, 1.0),
        Segment("walking", 3, 1.0, 2.0),
    ]
    assert (by_name["s04_cam2.mp4"].subject, by_name["s04_cam2.mp4"].view) == (4, "cam2")
    (tmp_path / "loose.mp4").write_bytes(b"")
    with pytest.raises(DatasetError, match="neither in a class folder"):
        find_jobs(tmp_path)
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(DatasetError, match="no videos"):
        find_jobs(tmp_path / "empty_dir")
