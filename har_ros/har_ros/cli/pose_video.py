"""`har pose-video VIDEO`: the pose backend and tracker over a video, no ROS.

Prints one JSON line per frame (frame, people, track ids) and a summary line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

import cv2

from ..common.video import capture_fps
from ..pose.node_config import PoseNodeConfig
from ..pose.pipeline import PosePipeline


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", help="video file")
    parser.add_argument("--backend", default="movenet")
    parser.add_argument("--frames", type=int, default=0, help="stop after N frames (0 = all)")
    parser.add_argument("--width", type=int, default=640, help="resize frames to this width")
    parser.add_argument("--input-width", type=int, default=256, help="backend input size")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON too")


def run(args: argparse.Namespace) -> int:
    config = dataclasses.replace(
        PoseNodeConfig(), backend=args.backend, input_width=args.input_width
    )
    pipeline = PosePipeline(config)
    capture = cv2.VideoCapture(args.video)
    if not capture.isOpened():
        raise SystemExit(f"cannot open video {args.video!r}")
    fps = capture_fps(capture)
    frames, people_total, started = 0, 0, time.perf_counter()
    while not args.frames or frames < args.frames:
        ok, bgr = capture.read()
        if not ok:
            break
        if args.width and bgr.shape[1] != args.width:
            bgr = cv2.resize(bgr, (args.width, round(bgr.shape[0] * args.width / bgr.shape[1])))
        people = pipeline.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), frames / fps)
        print(
            json.dumps(
                {"frame": frames, "people": len(people), "track_ids": [p.track_id for p in people]}
            )
        )
        frames += 1
        people_total += len(people)
    elapsed = time.perf_counter() - started
    summary = {
        "summary": True,
        "frames": frames,
        "mean_people": people_total / frames if frames else 0.0,
        "fps": frames / elapsed if elapsed > 0 else 0.0,
    }
    print(json.dumps(summary))
    return 0 if frames else 1
