"""`har extract DIR --out DATA.npz`: pose backend + tracker over labelled videos -> dataset.

Videos are either ``DIR/<class>/<clip>.mp4`` or have a ``<video>.labels.csv``
beside them (written by `har label VIDEO`). Each video's tracks are cached in
``--cache`` (default ``DATA.parts/``), so an interrupted run started again
goes on where it stopped. A video that yields no clip (nobody in view, an
unreadable file) is named with the reason; the dataset is written from the
others and the command exits 1 so the gap is not missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("videos", help="folder: <class>/<clip>.mp4, or videos + .labels.csv")
    parser.add_argument("--out", required=True, help="dataset file to write (.npz)")
    parser.add_argument("--backend", default="movenet")
    parser.add_argument("--input-width", type=int, default=256, help="backend input size")
    parser.add_argument("--width", type=int, default=640, help="resize frames to this width")
    parser.add_argument(
        "--person",
        default="main",
        choices=("main", "all"),
        help="main: the person most present and largest; all: every track",
    )
    parser.add_argument("--min-frames", type=int, default=8, help="shorter clips are dropped")
    parser.add_argument(
        "--test-subjects", default="", help="comma-separated subject ids for a 'test' split column"
    )
    parser.add_argument("--cache", default="", help="track cache folder (default OUT.parts)")


def run(args: argparse.Namespace) -> int:
    import cv2
    from tqdm import tqdm

    from ..action.dataset import DatasetError, save_npz
    from ..action.extract import extract, find_jobs
    from ..pose.backends import BackendError
    from ..pose.node_config import PoseNodeConfig
    from ..pose.video_tracks import track_video

    try:
        jobs, classes = find_jobs(args.videos)
        config = dataclasses.replace(
            PoseNodeConfig(), backend=args.backend, input_width=args.input_width
        )
        config.validate()
        test_subjects = tuple(int(s) for s in args.test_subjects.split(",") if s.strip())
    except (DatasetError, ValueError, BackendError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = Path(args.out)
    cache = Path(args.cache) if args.cache else out.with_name(f"{out.name}.parts")
    pipelines = {}

    def track(video: Path):
        capture = cv2.VideoCapture(str(video))
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        capture.release()
        with tqdm(total=total, desc=video.name, unit="frame", file=sys.stderr, leave=False) as bar:
            if "pipeline" not in pipelines:  # the backend is loaded once, the tracker per video
                from ..pose.pipeline import PosePipeline

                pipelines["pipeline"] = PosePipeline(config)
            pipeline = pipelines["pipeline"]
            fresh = type(pipeline)(config, backend=pipeline.backend)
            return track_video(video, config, args.width, cache, bar.update, fresh)

    try:
        result = extract(
            tqdm(jobs, desc="videos", unit="video", file=sys.stderr),
            classes,
            track,
            args.person,
            args.min_frames,
            test_subjects,
        )
    except (DatasetError, BackendError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for what, why in result.skipped.items():
        print(f"error: {what}: {why}", file=sys.stderr)
    if result.dataset is None:
        print("error: no clip extracted; nothing written", file=sys.stderr)
        return 1
    save_npz(result.dataset, out)
    summary = result.dataset.summary()
    print(
        f"wrote {out}: {summary['sequences']} clips of {summary['classes']} classes "
        f"({', '.join(result.dataset.class_names)}), median "
        f"{summary['frames_median']:.0f} frames; {len(result.skipped)} skipped"
    )
    return 1 if result.skipped else 0
