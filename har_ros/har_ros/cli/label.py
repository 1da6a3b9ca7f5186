"""`har label SOURCE`: label a recording in the browser and save labels.csv.

SOURCE is a bag folder (image and/or skeleton topics), a video (tracked here
with the pose settings of `har extract`, cached beside the labels), or a video
with ``--skeletons BAG`` recorded from it. The page is served on localhost;
open the printed address in any browser on the machine. Errors in the source
or the label file are shown on the page, and nothing already saved is lost.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="bag folder or video file")
    parser.add_argument("--skeletons", default="", help="skeleton bag recorded from the video")
    parser.add_argument(
        "--classes",
        default="",
        help="a,b,c or a file with one class per line (default: the label "
        "file's '# classes:' line)",
    )
    parser.add_argument(
        "--labels", default="", help="label file (default: BAG/labels.csv or VIDEO.labels.csv)"
    )
    parser.add_argument(
        "--prelabel",
        default="",
        metavar="CKPT",
        help="suggest segments from this checkpoint's predictions",
    )
    parser.add_argument(
        "--min-confidence",
        type=float,
        default=0.6,
        help="suggestions need at least this confidence",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 = any free port")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")


def default_labels_path(source: Path) -> Path:
    return (
        source / "labels.csv" if source.is_dir() else source.with_name(f"{source.name}.labels.csv")
    )


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..action.checkpoint import CheckpointError
    from ..action.dataset import DatasetError
    from ..labelling.recording import RecordingError, open_source
    from ..labelling.server import LabelApp, serve
    from ..labelling.session import LabelSession, parse_classes

    source = Path(args.source)
    labels = Path(args.labels) if args.labels else default_labels_path(source)
    try:
        classes = parse_classes(args.classes)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    session = LabelSession.open(labels, classes)
    recording, source_error = None, ""
    try:
        with tqdm(desc=f"reading {source.name}", unit="frame", file=sys.stderr) as bar:
            recording = open_source(
                source, args.skeletons, labels.parent / ".har_tracks", bar.update
            )
    except RecordingError as exc:
        source_error = str(exc)
    suggestions = []
    if recording is not None and args.prelabel and not session.error:
        from ..labelling.prelabel import suggest

        try:
            suggestions = suggest(recording, args.prelabel, args.min_confidence, session.classes)
        except (CheckpointError, ValueError) as exc:
            source_error = f"--prelabel {args.prelabel}: {exc}"
    app = LabelApp(session, recording, str(source), source_error, suggestions)
    for problem in filter(None, (source_error, session.error, app.info().get("warning"))):
        print(f"error: {problem}", file=sys.stderr)
    try:
        server = serve(app, args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    url = f"http://{args.host}:{server.server_address[1]}/"
    print(f"har label: {url}  (labels: {labels}; Ctrl-C to stop)", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
