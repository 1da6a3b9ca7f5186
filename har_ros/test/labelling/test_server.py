"""The label server over real HTTP on localhost (the page's own requests, no browser)."""

import json
import re
import socket
import threading
import urllib.error
import urllib.request

import pytest
from conftest import FRAMES, stamp_s

from har_ros.labelling.recording import open_source
from har_ros.labelling.server import LabelApp, serve
from har_ros.labelling.session import LabelSession


@pytest.fixture
def server(recording_bag):
    session = LabelSession.open(recording_bag / "labels.csv", ["waiting", "opening_door"])
    srv = serve(LabelApp(session, open_source(recording_bag), str(recording_bag)), port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", recording_bag / "labels.csv"
    srv.shutdown()
    srv.server_close()


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
    sent = {"Content-Type": "application/json",
            "X-Har-Token": page_token(base) if token is None else token, **(headers or {})}
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
    good = {"segments": [{"track": "*", "start": stamp_s(0), "end": stamp_s(10),
                          "label": "waiting"}], "position": stamp_s(7)}
    status, result = _post(base + "/api/labels", json.dumps(good).encode())
    assert status == 200 and result["ok"] and result["saved"] == 1
    saved = labels.read_text()
    assert "# classes: waiting,opening_door" in saved and "*,1700000000.000000," in saved
    bad = {"segments": [*good["segments"], {"track": 1, "start": stamp_s(5), "end": stamp_s(12),
                                            "label": "opening_door"}]}
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
    assert _post(base + "/api/labels", body, {"Origin": f"http://localhost:{port}",
                                              "Host": f"localhost:{port}"})[0] == 200


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
        return (f"POST /api/labels HTTP/1.1\r\nHost: {host}\r\nContent-Type: "
                f"application/json\r\nX-Har-Token: {token}\r\nContent-Length: {length}"
                f"\r\n\r\n").encode() + body

    # No body after a refused length: the reply must not race a reset of unread bytes.
    assert b" 400 " in _raw(base, request("-1", b""))[:20]  # was read(-1): any size
    assert b" 400 " in _raw(base, request("twelve", b""))[:20]
    assert b" 413 " in _raw(base, request(str(20 * 1024 * 1024), b""))[:20]
    deep = b"[" * 100_000 + b"]" * 100_000
    reply = _raw(base, request(str(len(deep)), deep))
    assert b" 400 " in reply[:20] and b"nested deeper" in reply
    assert not labels.exists()
    assert _post(base + "/api/labels", json.dumps(GOOD).encode())[0] == 200
