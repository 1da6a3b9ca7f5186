"""The label server over real HTTP on localhost (the page's own requests, no browser)."""

import json
import re
import socket
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager

import numpy as np
import pytest
from conftest import FRAMES, START_NS, stamp_s

from har_ros.labelling.recording import open_source
from har_ros.labelling.server import LabelApp, serve
from har_ros.labelling.session import LabelSession


@contextmanager
def serving(bag):
    """The label server on ``bag`` at a free port: its base URL and the label file."""
    session = LabelSession.open(bag / "labels.csv", ["waiting", "opening_door"])
    srv = serve(LabelApp(session, open_source(bag), str(bag)), port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", bag / "labels.csv"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def server(recording_bag):
    with serving(recording_bag) as running:
        yield running


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


def page_token(base: str) -> str:
    """The per-session token, read from the page as its script reads it."""
    page = _get(base + "/")[2].decode()
    return re.search(r'<meta name="har-token" content="([^"]+)">', page).group(1)


def _post(url, body: bytes, headers=None, token=None):
    base = url.rsplit("/api/", 1)[0]
    sent = {
        "Content-Type": "application/json",
        "X-Har-Token": page_token(base) if token is None else token,
        **(headers or {}),
    }
    request = urllib.request.Request(url, data=body, method="POST", headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _raw(base: str, request: bytes) -> bytes:
    """A hand-made HTTP request (lengths urllib will not send), the reply's bytes."""
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: sock.recv(65536), b""))


def test_page_info_people_and_frames(server):
    base, _ = server
    status, kind, page = _get(base + "/")
    assert status == 200 and kind.startswith("text/html") and b"/label.js" in page
    assert _get(base + "/label.js")[2].startswith(b"// har label")
    info = json.loads(_get(base + "/api/info")[2])
    assert info["frames"] == FRAMES and info["tracks"] == [1, 2] and info["error"] == ""
    assert info["classes"] == ["waiting", "opening_door"] and len(info["bones"]) > 10
    people = json.loads(_get(base + "/api/people")[2])
    assert [t for t, _ in people[12]] == [1, 2] and len(people[12][0][1]) == 17
    status, kind, jpeg = _get(base + "/frame/5.jpg")
    assert kind == "image/jpeg" and jpeg[:2] == b"\xff\xd8"
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(base + f"/frame/{FRAMES}.jpg")
    assert err.value.code == 400


def test_saving_good_and_bad_segments(server):
    base, labels = server
    good = {
        "segments": [{"track": "*", "start": stamp_s(0), "end": stamp_s(10), "label": "waiting"}],
        "position": stamp_s(7),
    }
    status, result = _post(base + "/api/labels", json.dumps(good).encode())
    assert status == 200 and result["ok"] and result["saved"] == 1
    saved = labels.read_text()
    assert "# classes: waiting,opening_door" in saved and "*,1700000000.000000," in saved
    bad = {
        "segments": [
            *good["segments"],
            {"track": 1, "start": stamp_s(5), "end": stamp_s(12), "label": "opening_door"},
        ]
    }
    status, result = _post(base + "/api/labels", json.dumps(bad).encode())
    assert status == 409 and "overlaps" in result["problems"][0]
    assert labels.read_text() == saved
    status, result = _post(base + "/api/labels", b"{not json")
    assert status == 400 and result["problems"][0].startswith("bad JSON")
    status, result = _post(base + "/api/labels", b'{"segments": [{"track": 1}]}')
    assert status == 409 and "bad request" in result["problems"][0]
    assert labels.read_text() == saved


GOOD = {"segments": [{"track": "*", "start": 1.0, "end": 2.0, "label": "waiting"}]}


def test_a_foreign_page_can_neither_read_nor_write(server):
    """Only the server's own page may read or save.

    Found and fixed: a text/plain POST with a foreign Origin and Host overwrote
    labels.csv, and /api/info answered a foreign Host (DNS rebinding).
    """
    base, labels = server
    body = json.dumps(GOOD).encode()
    attacks = [
        ({"Content-Type": "text/plain"}, None, 415, "application/json"),
        ({"Origin": "http://evil.example"}, None, 403, "Origin"),
        ({"Host": "evil.example:80"}, None, 403, "Host"),
        ({}, "", 403, "X-Har-Token"),
        ({}, "guessed", 403, "X-Har-Token"),
    ]
    for headers, token, status, words in attacks:
        got, result = _post(base + "/api/labels", body, headers, token)
        assert got == status and words in result["problems"][0], (headers, result)
    assert not labels.exists()
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(base + "/api/info", {"Host": "rebound.example:8765"})
    assert err.value.code == 403
    assert _post(base + "/api/labels", body)[0] == 200  # the page itself still saves
    port = base.rsplit(":", 1)[1]
    assert (
        _post(
            base + "/api/labels",
            body,
            {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"},
        )[0]
        == 200
    )


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", '"nan"', '"inf"'])
def test_non_finite_times_are_refused(server, value):
    """Found and fixed: NaN/inf passed and the file then held 1,-inf,inf,a."""
    base, labels = server
    segment = f'{{"track": 1, "start": {value}, "end": 2.0, "label": "waiting"}}'
    status, result = _post(base + "/api/labels", f'{{"segments": [{segment}]}}'.encode())
    problem = result["problems"][0]
    assert status in (400, 409) and ("finite" in problem or "not a number" in problem), result
    assert not labels.exists()
    status, _, info = _get(base + "/api/info")
    assert status == 200 and json.loads(info)["segments"] == []


def test_bad_lengths_and_deep_json_are_refused(server):
    """Lengths and nesting are bounded before the body is read or parsed.

    Found and fixed: a negative Content-Length read the whole body past the
    16 MiB limit; a non-numeric length or 100,000-deep JSON raised in the handler.
    """
    base, labels = server
    token = page_token(base)
    host = base.removeprefix("http://")

    def request(length: str, body: bytes) -> bytes:
        return (
            f"POST /api/labels HTTP/1.1\r\nHost: {host}\r\nContent-Type: "
            f"application/json\r\nX-Har-Token: {token}\r\nContent-Length: {length}"
            f"\r\n\r\n"
        ).encode() + body

    # No body after a refused length: the reply must not race a reset of unread bytes.
    assert b" 400 " in _raw(base, request("-1", b""))[:20]  # was read(-1): any size
    assert b" 400 " in _raw(base, request("twelve", b""))[:20]
    assert b" 413 " in _raw(base, request(str(20 * 1024 * 1024), b""))[:20]
    deep = b"[" * 100_000 + b"]" * 100_000
    reply = _raw(base, request(str(len(deep)), deep))
    assert b" 400 " in reply[:20] and b"nested deeper" in reply
    assert not labels.exists()
    assert _post(base + "/api/labels", json.dumps(GOOD).encode())[0] == 200


def test_a_token_that_is_not_ascii_is_refused_with_403(server):
    """Found and fixed: compare_digest raised TypeError on a non-ASCII X-Har-Token.

    The connection then closed without an answer instead of a 403.
    """
    base, labels = server
    body = json.dumps(GOOD).encode()
    host = base.removeprefix("http://")
    reply = _raw(
        base,
        (
            f"POST /api/labels HTTP/1.1\r\nHost: {host}\r\nContent-Type: "
            f"application/json\r\nContent-Length: {len(body)}\r\n"
        ).encode()
        + "X-Har-Token: jeton-\u00e9t\u00e9\r\n\r\n".encode()
        + body,
    )
    assert b" 403 " in reply[:20] and b"X-Har-Token" in reply, reply
    assert not labels.exists()
    assert _post(base + "/api/labels", body)[0] == 200  # the server still answers


def test_a_nan_keypoint_is_a_missing_joint_not_a_broken_recording(tmp_path):
    """Found and fixed: one NaN keypoint made /api/people answer 400 for the whole recording."""
    from har_ros.bags.io import BagWriter
    from har_ros.ros.skeleton_msgs import frame_to_msg
    from har_ros.skeleton.types import Person, SkeletonFrame

    bag = tmp_path / "nan"
    with BagWriter(bag) as writer:
        for frame in range(3):
            kp = np.zeros((17, 3), np.float32)
            kp[:, 0], kp[:, 1], kp[:, 2] = np.arange(17) + 50.0, np.arange(17) + 80.0, 0.9
            if frame == 1:
                kp[5, 0] = np.nan  # one coordinate of one joint
                kp[6, 2] = np.inf
            stamp = START_NS + frame * 100_000_000
            writer.write_message(
                "/skeletons",
                "har_msgs/msg/SkeletonArray",
                stamp,
                frame_to_msg(
                    SkeletonFrame(
                        stamp,
                        "camera",
                        320,
                        240,
                        [Person(kp, "coco17", 0.9, (50.0, 80.0, 66.0, 96.0), 1)],
                    )
                ),
            )
    with serving(bag) as (base, _):
        status, _, raw = _get(base + "/api/people")
        people = json.loads(raw, parse_constant=_no_constant)
        assert status == 200 and len(people) == 3
        track, joints = people[1][0]
        assert track == 1 and joints[5] == [0, 0, 0] and joints[6] == [0, 0, 0]
        assert joints[4] == [54.0, 84.0, 0.9] and joints[7] == [57.0, 87.0, 0.9]
        assert people[0][0][1][5] == [55.0, 85.0, 0.9]
        assert json.loads(_get(base + "/api/info")[2])["tracks"] == [1]


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")
