"""The local web server behind `har label`: one page, its data, frames and saving.

Standard library only (``http.server``); the page and its script are package
data, so nothing is fetched from the internet and the cell PC's browser is
enough. Routes:

- ``GET /``, ``/label.js``, ``/label.css``: the page;
- ``GET /api/info``: recording, classes, segments, suggestions, errors;
- ``GET /api/people``: per frame, the people ``[track, [[x, y, score]...]]``;
- ``GET /frame/N.jpg``: frame N;
- ``POST /api/labels``: ``{"segments": [...], "position": s}`` -> saved or the problems.

An error in the source or the label file is reported by ``/api/info`` and
shown on the page; it never becomes a stack trace in the browser.
"""

from __future__ import annotations

import json
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..action.labels import LabelInterval
from ..resources import package_file
from .recording import Recording
from .session import LabelSession, intervals_from_json, intervals_to_json

_STATIC = {"/": ("index.html", "text/html; charset=utf-8"),
           "/label.js": ("label.js", "text/javascript; charset=utf-8"),
           "/label.css": ("label.css", "text/css; charset=utf-8")}
_FRAME = re.compile(r"^/frame/(\d+)\.jpg$")
MAX_BODY = 16 * 1024 * 1024


class LabelApp:
    """What the handler serves; ``recording`` is None when the source failed to open."""

    def __init__(self, session: LabelSession, recording: Recording | None, source: str,
                 source_error: str = "", suggestions: list[LabelInterval] | None = None):
        self.session = session
        self.recording = recording
        self.source = source
        self.source_error = source_error
        self.suggestions = suggestions or []
        self.lock = threading.Lock()

    def info(self) -> dict:
        rec = self.recording
        base = {"source": self.source, "labels_path": str(self.session.labels_path),
                "classes": self.session.classes, "error": self.source_error,
                "labels_error": self.session.error,
                "segments": intervals_to_json(self.session.intervals),
                "suggestions": intervals_to_json(self.suggestions),
                "position": self.session.position}
        if rec is None:
            return base
        warning = "" if rec.track_ids() else (
            "nobody was found in this recording: there is no person to label (check the "
            "camera, the lighting or the pose backend)")
        return {**base, "warning": warning, "frames": rec.frames,
                "times": [float(t) for t in rec.times],
                "width": rec.width, "height": rec.height, "layout": rec.layout,
                "bones": rec.bones(), "tracks": rec.track_ids(),
                "has_images": rec.images is not None or rec.video is not None}

    def people(self) -> list:
        if self.recording is None:
            return []
        return [[[p.track_id, [[round(float(v), 1) for v in kp[:2]] + [round(float(kp[2]), 2)]
                                for kp in p.keypoints]] for p in frame]
                for frame in self.recording.people]

    def save(self, body: dict) -> dict:
        try:
            segments = intervals_from_json(body.get("segments", []))
            position = body.get("position")
            position = None if position is None else float(position)
        except (ValueError, TypeError, AttributeError) as exc:
            return {"ok": False, "problems": [f"bad request: {exc}"]}
        with self.lock:
            problems = self.session.save(segments, position)
        return {"ok": not problems, "problems": problems, "saved": len(segments),
                "path": str(self.session.labels_path)}


def make_handler(app: LabelApp):
    class Handler(BaseHTTPRequestHandler):
        server_version = "har-label"

        def log_message(self, fmt, *args):  # requests are not news; errors are sent back
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, data, status: int = HTTPStatus.OK) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            try:
                if path in _STATIC:
                    name, kind = _STATIC[path]
                    self._send(HTTPStatus.OK, package_file("labelling", "static", name)
                               .read_bytes(), kind)
                elif path == "/favicon.ico":
                    self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
                elif path == "/api/info":
                    self._json(app.info())
                elif path == "/api/people":
                    self._json(app.people())
                elif (match := _FRAME.match(path)) and app.recording is not None:
                    with app.lock:
                        jpeg = app.recording.jpeg(int(match.group(1)))
                    self._send(HTTPStatus.OK, jpeg, "image/jpeg")
                else:
                    self._json({"error": f"not found: {path}"}, HTTPStatus.NOT_FOUND)
            except (IndexError, ValueError) as exc:
                self._json({"error": str(exc)}, HTTPStatus.BAD_REQUEST)

        def do_POST(self):
            if self.path != "/api/labels":
                self._json({"error": f"not found: {self.path}"}, HTTPStatus.NOT_FOUND)
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._json({"ok": False, "problems": ["request too large"]},
                           HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                return
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError as exc:
                self._json({"ok": False, "problems": [f"bad JSON: {exc}"]},
                           HTTPStatus.BAD_REQUEST)
                return
            result = app.save(body if isinstance(body, dict) else {})
            self._json(result, HTTPStatus.OK if result["ok"] else HTTPStatus.CONFLICT)

    return Handler


def serve(app: LabelApp, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """A started server (``serve_forever`` is the caller's); port 0 picks a free one."""
    server = ThreadingHTTPServer((host, port), make_handler(app))
    server.daemon_threads = True
    return server
