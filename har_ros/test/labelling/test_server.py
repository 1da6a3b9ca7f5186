"""The label server over real HTTP on localhost (the page's own requests, no browser)."""

import json
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


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


def _post(url, body: bytes):
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


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
