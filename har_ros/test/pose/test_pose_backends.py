"""Every pose backend on real photos and videos of people: counts and anatomical sanity.

`yolo` is an opt-in extra (`make yolo`); its cases skip, saying so, when it is
not installed.
"""

import cv2
import numpy as np
import pytest

from har_ros.assets import AssetError, asset_path
from har_ros.pose.backends import BackendError, create_backend
from har_ros.skeleton.layouts import COCO17

BACKENDS = {"movenet": {"input_width": 256}, "yolo": {}}
CORRUPT_MESSAGE = {"movenet": "not a loadable TFLite model", "yolo": "not a loadable ONNX model"}


@pytest.fixture(scope="module", params=list(BACKENDS))
def backend(request):
    try:
        return create_backend(request.param, **BACKENDS[request.param])
    except BackendError as exc:
        pytest.skip(f"{request.param} backend not available: {exc}")


def video_frame(name: str, index: int) -> np.ndarray:
    try:
        path = asset_path(name)
    except AssetError as exc:
        pytest.skip(str(exc))
    cap = cv2.VideoCapture(str(path))
    cap.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, bgr = cap.read()
    assert ok, f"cannot read frame {index} of {path}"
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def joint(person, name):
    return person.keypoints[COCO17.index(name)]


def assert_upright(person):
    nose, hips = joint(person, "nose"), (joint(person, "left_hip") + joint(person, "right_hip")) / 2
    assert nose[1] < hips[1], "nose must be above the hips"
    shoulders = (joint(person, "left_shoulder") + joint(person, "right_shoulder")) / 2
    knees = (joint(person, "left_knee") + joint(person, "right_knee")) / 2
    if knees[2] > 0.3:
        assert shoulders[1] < knees[1], "shoulders must be above the knees"


def test_astronaut_one_person_facing_the_camera(backend):
    import skimage.data

    people = backend.infer(skimage.data.astronaut())
    assert len(people) == 1
    person = people[0]
    assert person.layout == "coco17" and person.keypoints.shape == (17, 3)
    assert_upright(person)
    # Facing the camera: the person's left appears on the image's right.
    assert joint(person, "left_shoulder")[0] > joint(person, "right_shoulder")[0]
    assert joint(person, "left_eye")[0] > joint(person, "right_eye")[0]


def test_sports2d_two_walkers_once_both_are_in_view(backend):
    people = backend.infer(video_frame("sports2d_demo.mp4", 40))
    assert len(people) == 2
    for person in people:
        assert_upright(person)
        x0, y0, x1, y1 = person.bbox
        assert 0 <= x0 < x1 <= 1768 and 0 <= y0 < y1 <= 994


def test_pose2sim_multi_person_frame(backend):
    people = backend.infer(video_frame("pose2sim_multiperson_cam01.mp4", 40))
    assert len(people) >= 2
    for person in people:
        assert_upright(person)


def test_black_frame_has_nobody(backend):
    assert backend.infer(np.zeros((480, 640, 3), np.uint8)) == []


def test_bad_input_and_missing_or_corrupt_model(tmp_path, backend):
    with pytest.raises(ValueError, match="8-bit RGB"):
        backend.infer(np.zeros((480, 640), np.uint8))
    with pytest.raises(BackendError, match="not found"):
        create_backend(backend.name, model_path=str(tmp_path / "missing.model"))
    corrupt = tmp_path / "corrupt.model"
    corrupt.write_bytes(b"not a model" * 100)
    with pytest.raises(BackendError, match=CORRUPT_MESSAGE[backend.name]):
        create_backend(backend.name, model_path=str(corrupt))


def test_unknown_backend_and_missing_extra_are_clear_errors(tmp_path):
    with pytest.raises(BackendError, match="unknown pose backend 'openpose'"):
        create_backend("openpose")
    # Without the extra: "run `make yolo`"; with it: the missing file is named.
    with pytest.raises(BackendError, match=r"make yolo|not found"):
        create_backend("yolo", model_path=str(tmp_path / "none.onnx"))
