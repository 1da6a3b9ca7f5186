"""pyskl / mmaction2 2D skeleton pickles, written in that format by the test."""

import pickle

import numpy as np
import pytest

from har_ros.action.dataset import DatasetError
from har_ros.action.loaders import load_spec
from har_ros.action.pyskl import load_pyskl


def _annotation(name, label, people=2, frames=12, joints=17, seed=0):
    rng = np.random.default_rng(seed)
    keypoint = rng.uniform(0, 320, (people, frames, joints, 2)).astype(np.float32)
    score = np.full((people, frames, joints), 0.2, np.float32)
    score[0] = 0.9  # the first person is the main one
    return {
        "frame_dir": name,
        "label": label,
        "img_shape": (240, 320),
        "original_shape": (240, 320),
        "total_frames": frames,
        "keypoint": keypoint,
        "keypoint_score": score,
    }


@pytest.fixture
def pickle_file(tmp_path):
    annotations = [_annotation(f"v_{i:02d}", i % 3, seed=i) for i in range(9)]
    data = {
        "split": {
            "train1": [f"v_{i:02d}" for i in range(6)],
            "test1": [f"v_{i:02d}" for i in range(6, 9)],
        },
        "annotations": annotations,
    }
    path = tmp_path / "ucf_2d.pkl"
    path.write_bytes(pickle.dumps(data))
    return path, annotations


def test_main_person_per_clip_with_the_split(pickle_file):
    path, annotations = pickle_file
    data = load_spec(f"pyskl:{path}:train1")
    assert len(data) == 9 and data.layout.name == "coco17"
    assert data.split.tolist() == ["train"] * 6 + ["test"] * 3
    assert data.labels.tolist() == [i % 3 for i in range(9)]
    assert data.class_names == ["class_0", "class_1", "class_2"]
    first = data.sequences[0]
    assert first.shape == (12, 17, 3)
    np.testing.assert_array_equal(first[..., :2], annotations[0]["keypoint"][0])
    assert np.all(first[..., 2] == np.float32(0.9))


def test_every_person_and_no_split(pickle_file):
    path, _ = pickle_file
    data = load_spec(f"pyskl:{path}::all")
    assert len(data) == 18 and data.split is None
    assert load_pyskl(path).split is None and len(load_pyskl(path)) == 9


def test_bad_pickles_are_clear_errors(tmp_path, pickle_file):
    path, _ = pickle_file
    with pytest.raises(DatasetError, match="no split 'train9'"):
        load_pyskl(path, "train9")
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    with pytest.raises(DatasetError, match="not a pyskl skeleton pickle"):
        load_pyskl(tmp_path / "junk.pkl")

    class Evil:
        def __reduce__(self):
            return (print, ("code ran",))

    (tmp_path / "evil.pkl").write_bytes(pickle.dumps({"annotations": [Evil()]}))
    with pytest.raises(DatasetError, match=r"refusing builtins\.print"):
        load_pyskl(tmp_path / "evil.pkl")
    odd = {"annotations": [_annotation("x", 0, joints=13)]}
    (tmp_path / "odd.pkl").write_bytes(pickle.dumps(odd))
    with pytest.raises(DatasetError, match="13 joints per person"):
        load_pyskl(tmp_path / "odd.pkl")
    broken = {"annotations": [{**_annotation("y", 0), "keypoint": np.zeros((2, 3))}]}
    (tmp_path / "broken.pkl").write_bytes(pickle.dumps(broken))
    with pytest.raises(DatasetError, match=r"expected \(M, T, V, 2\)"):
        load_pyskl(tmp_path / "broken.pkl")


def test_a_tiny_pickle_that_expands_is_refused_before_it_is_built(tmp_path):
    """A pickle that expands is refused before it is built; a non-dict annotation too.

    Found and fixed: a 226-byte pickle whose lists nest by reference became 2^21
    numbers (and, deeper, any number) before the shape check; a non-dict
    annotation raised AttributeError.
    """
    nested = [0.0, 0.0]
    for _ in range(40):  # 2^41 numbers by reference, a few hundred bytes
        nested = [nested, nested]
    (tmp_path / "bomb.pkl").write_bytes(
        pickle.dumps({"annotations": [{"frame_dir": "b", "label": 0, "keypoint": nested}]})
    )
    assert (tmp_path / "bomb.pkl").stat().st_size < 1000
    with pytest.raises(DatasetError, match="keypoint must have 4 dimensions"):
        load_pyskl(tmp_path / "bomb.pkl")
    wide = [0.0] * 2
    wide = [[[wide] * 4000] * 4000] * 2  # 4 levels, 64 M numbers by reference
    (tmp_path / "wide.pkl").write_bytes(
        pickle.dumps({"annotations": [{"frame_dir": "w", "label": 0, "keypoint": wide}]})
    )
    with pytest.raises(DatasetError, match="more than 10,000,000 numbers"):
        load_pyskl(tmp_path / "wide.pkl")
    (tmp_path / "list.pkl").write_bytes(pickle.dumps({"annotations": [["not", "a", "dict"]]}))
    with pytest.raises(DatasetError, match="annotation 0 is a list, not a dict"):
        load_pyskl(tmp_path / "list.pkl")
