"""MoveNet MultiPose Lightning (Google, Apache-2.0) on the LiteRT runtime, CPU only.

Up to 6 people, COCO-17 keypoints. The image is scaled so its longer side is
``input_width`` and padded to multiples of 32 (the model's dynamic input).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ...assets import AssetError, asset_path
from ...skeleton.types import Person
from .base import BackendError

DEFAULT_MODEL = "movenet_multipose_lightning.tflite"


def _multiple_of_32(value: float) -> int:
    return max(32, int(np.ceil(value / 32.0)) * 32)


class MoveNetBackend:
    name = "movenet"
    layout = "coco17"

    def __init__(
        self,
        model_path: str = "",
        input_width: int = 256,
        num_threads: int = 2,
        min_person_score: float = 0.25,
    ):
        if input_width < 64 or input_width % 32:
            raise BackendError(f"input_width must be a multiple of 32 and >= 64, got {input_width}")
        try:
            path = Path(model_path) if model_path else asset_path(DEFAULT_MODEL)
        except AssetError as exc:
            raise BackendError(str(exc)) from exc
        if not path.is_file():
            raise BackendError(f"MoveNet model file not found: {path}")
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise BackendError(
                "the movenet backend needs ai-edge-litert (pip install ai-edge-litert)"
            ) from exc
        try:
            self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
            self._input = self._interpreter.get_input_details()[0]
            self._output = self._interpreter.get_output_details()[0]
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"{path} is not a loadable TFLite model: {exc}") from exc
        if list(self._output["shape"][-2:]) != [6, 56]:
            raise BackendError(
                f"{path} is not MoveNet MultiPose (output shape "
                f"{list(self._output['shape'])}, expected [1, 6, 56])"
            )
        self.input_width = input_width
        self.min_person_score = min_person_score
        self._shape: tuple[int, int] | None = None

    def _prepare(self, rgb: np.ndarray) -> tuple[np.ndarray, float]:
        h, w = rgb.shape[:2]
        scale = self.input_width / max(h, w)
        new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
        in_w, in_h = _multiple_of_32(new_w), _multiple_of_32(new_h)
        canvas = np.zeros((in_h, in_w, 3), np.uint8)
        canvas[:new_h, :new_w] = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_AREA)
        if self._shape != (in_h, in_w):
            self._interpreter.resize_tensor_input(self._input["index"], [1, in_h, in_w, 3])
            self._interpreter.allocate_tensors()
            self._shape = (in_h, in_w)
        return canvas, scale

    def infer(self, rgb: np.ndarray) -> list[Person]:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an 8-bit RGB image (H, W, 3), got {rgb.dtype} {rgb.shape}")
        canvas, scale = self._prepare(rgb)
        self._interpreter.set_tensor(self._input["index"], canvas[None])
        self._interpreter.invoke()
        raw = self._interpreter.get_tensor(self._output["index"])[0]
        in_h, in_w = canvas.shape[:2]
        people = []
        for row in raw:
            score = float(row[55])
            if score < self.min_person_score:
                continue
            yxs = row[:51].reshape(17, 3)
            keypoints = np.column_stack(
                [yxs[:, 1] * in_w / scale, yxs[:, 0] * in_h / scale, yxs[:, 2]]
            ).astype(np.float32)
            y0, x0, y1, x1 = row[51:55]
            bbox = (
                float(x0 * in_w / scale),
                float(y0 * in_h / scale),
                float(x1 * in_w / scale),
                float(y1 * in_h / scale),
            )
            people.append(Person(keypoints=keypoints, layout=self.layout, score=score, bbox=bbox))
        return people
