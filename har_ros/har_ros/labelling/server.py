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

Only this server's own page may use it: every request must name this server
in ``Host`` (a DNS-rebinding page names its own), a request with an
``Origin`` must come from it, and a save must be ``application/json`` with the
per-session token that the page carries (``X-Har-Token``), which no other
page can read. Bodies are bounded before they are read; non-finite numbers
and nesting deeper than :data:`MAX_JSON_DEPTH` are refused.
"""

from __future__ import annotations

import hmac
import json
import math
import re
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..action.labels import LabelInterval
from ..resources import package_file
from .recording import Recording
from .session import LabelSession, intervals_from_json, intervals_to_json

_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/label.js": ("label.js", "text/javascript; charset=utf-8"),
    "/label.css": ("label.css", "text/css; charset=utf-8"),
}
_FRAME = re.compile(r"^/frame/(\d+)\.jpg$")
MAX_BODY = 16 * 1024 * 1024
MAX_JSON_DEPTH = 32  # the page sends {"segments": [{...}]}: depth 3
TOKEN_HEADER = "X-Har-Token"
_TOKEN_META = '<meta name="har-token" content="{}">'


class RequestRefusedError(Exception):
    """A request this server does not serve; ``status`` and the text go back to the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number a label file can hold")


def parse_body(raw: bytes) -> dict:
    """The JSON object of a save request; ValueError says why it is not one."""
    depth = 0
    for byte in raw:  # bounded before json recurses into it
        if byte in b"[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH}")
        elif byte in b"]}":
            depth -= 1
    try:
        body = json.loads(raw or b"{}", parse_constant=_refuse_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"bad JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def body_length(header: str | None) -> int:
    """Content-Length as a number in [0, MAX_BODY]; RequestRefusedError otherwise."""
    if header is None:
        raise RequestRefusedError(HTTPStatus.LENGTH_REQUIRED, "Content-Length is required")
    try:
        length = int(header)
    except ValueError:
        raise RequestRefusedError(
            HTTPStatus.BAD_REQUEST, f"Content-Length {header!r} is not a number"
        ) from None
    if length < 0:
        raise RequestRefusedError(HTTPStatus.BAD_REQUEST, f"Content-Length {length} is negative")
    if length > MAX_BODY:
        raise RequestRefusedError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"request too large ({length} bytes, at most {MAX_BODY})",
        )
    return length


def _token_matches(sent: str, token: str) -> bool:
    """Constant-time comparison of bytes: compare_digest raises on a non-ASCII str."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), token.encode())


class LabelApp:
    """What the handler serves; ``recording`` is None when the source failed to open."""

    def __init__(
        self,
        session: LabelSession,
        recording: Recording | None,
        source: str,
        source_error: str = "",
        suggestions: list[LabelInterval] | None = None,
    ):
        self.session = session
        self.recording = recording
        self.source = source
        self.source_error = source_error
        self.suggestions = suggestions or []
        self.lock = threading.Lock()
        self.token = secrets.token_urlsafe(24)  # in the page; a save must send it back

    def info(self) -> dict:
        rec = self.recording
        base = {
            "source": self.source,
            "labels_path": str(self.session.labels_path),
            "classes": self.session.classes,
            "error": self.source_error,
            "labels_error": self.session.error,
            "segments": intervals_to_json(self.session.intervals),
            "suggestions": intervals_to_json(self.suggestions),
            "position": self.session.position,
        }
        if rec is None:
            return base
        warning = (
            ""
            if rec.track_ids()
            else (
                "nobody was found in this recording: there is no person to label (check the "
                "camera, the lighting or the pose backend)"
            )
        )
        return {
            **base,
            "warning": warning,
            "frames": rec.frames,
            "times": [float(t) for t in rec.times],
            "width": rec.width,
            "height": rec.height,
            "layout": rec.layout,
            "bones": rec.bones(),
            "tracks": rec.track_ids(),
            "has_images": rec.images is not None or rec.video is not None,
        }

    def people(self) -> list:
        if self.recording is None:
            return []
        return [
            [
                [
                    p.track_id,
                    [
                        [round(float(v), 1) for v in kp[:2]] + [round(float(kp[2]), 2)]
                        for kp in p.keypoints
                    ],
                ]
                for p in frame
            ]
            for frame in self.recording.people
        ]

    def save(self, body: dict) -> dict:
        try:
            segments = intervals_from_json(body.get("segments", []))
            position = body.get("position")
            position = None if position is None else float(position)
            if position is not None and not math.isfinite(position):
                raise ValueError(f"position must be finite, got {position}")
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            return {"ok": False, "problems": [f"bad request: {exc}"]}
        with self.lock:
            problems = self.session.save(segments, position)
        return {
            "ok": not problems,
            "problems": problems,
            "saved": len(segments),
            "path": str(self.session.labels_path),
        }


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
            self._send(status, json.dumps(data, allow_nan=False).encode(), "application/json")

        def _check_origin(self) -> None:
            """RequestRefusedError unless Host (and Origin, if sent) name this server."""
            port = self.server.server_address[1]
            hosts = {
                f"{name}:{port}"
                for name in ("127.0.0.1", "localhost", "[::1]", self.server.server_address[0])
            }
            host = self.headers.get("Host", "")
            if host not in hosts:
                raise RequestRefusedError(HTTPStatus.FORBIDDEN, f"Host {host!r} is not this server")
            origin = self.headers.get("Origin")
            if origin is not None and origin not in {f"http://{h}" for h in hosts}:
                raise RequestRefusedError(
                    HTTPStatus.FORBIDDEN, f"Origin {origin!r} is not this server's page"
                )

        def _page(self, name: str) -> bytes:
            data = package_file("labelling", "static", name).read_bytes()
            if name != "index.html":
                return data
            meta = _TOKEN_META.format(app.token).encode()
            return data.replace(b'<meta charset="utf-8">', b'<meta charset="utf-8">' + meta, 1)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            try:
                self._check_origin()
                if path in _STATIC:
                    name, kind = _STATIC[path]
                    self._send(HTTPStatus.OK, self._page(name), kind)
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
            except RequestRefusedError as exc:
                self._json({"error": str(exc)}, exc.status)
            except (IndexError, ValueError) as exc:
                self._json({"error": str(exc)}, HTTPStatus.BAD_REQUEST)

        def _refuse(self, exc: RequestRefusedError) -> None:
            self._json({"ok": False, "problems": [str(exc)]}, exc.status)

        def do_POST(self):
            try:
                length = body_length(self.headers.get("Content-Length"))
            except RequestRefusedError as exc:
                self.close_connection = True  # its body is not read: it must not be parsed
                self._refuse(exc)
                return
            raw = self.rfile.read(length)  # bounded; read even when refused, so the reply
            try:  # reaches the client instead of a reset
                self._check_origin()
                if self.path != "/api/labels":
                    raise RequestRefusedError(HTTPStatus.NOT_FOUND, f"not found: {self.path}")
                kind = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
                if kind != "application/json":
                    raise RequestRefusedError(
                        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        f"Content-Type must be application/json, not {kind!r}",
                    )
                if not _token_matches(self.headers.get(TOKEN_HEADER, ""), app.token):
                    raise RequestRefusedError(
                        HTTPStatus.FORBIDDEN, f"no or wrong {TOKEN_HEADER}: reload the page"
                    )
                try:
                    body = parse_body(raw)
                except ValueError as exc:
                    raise RequestRefusedError(HTTPStatus.BAD_REQUEST, str(exc)) from exc
            except RequestRefusedError as exc:
                self._refuse(exc)
                return
            result = app.save(body)
            self._json(result, HTTPStatus.OK if result["ok"] else HTTPStatus.CONFLICT)

    return Handler


def serve(app: LabelApp, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """A started server (``serve_forever`` is the caller's); port 0 picks a free one."""
    server = ThreadingHTTPServer((host, port), make_handler(app))
    server.daemon_threads = True
    return server
