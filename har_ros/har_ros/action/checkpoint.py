"""One checkpoint file: weights plus everything the action node needs to use them.

Contents: format version, model name and config, state dict, class names,
skeleton layout, channels, normalisation (window length), the stride the
node should classify at, the training data summary and metrics, and the
calibration (temperature, rejection score and threshold) fitted on held-out
windows. Loading
checks all of it and fails with one clear CheckpointError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..skeleton.layouts import KNOWN_LAYOUTS, Layout, LayoutError
from .calibration import Calibration
from .dataset import layout_from_json, layout_to_json
from .models import MODEL_NAMES, build_model
from .preprocess import Normalisation

FORMAT = "har_ros.action.checkpoint/1"
PRETRAINED_FORMAT = "har_ros.action.pretrained/1"
#: Parts of a classifier that a backbone pretrained without labels does not hold.
CLASSIFIER_PREFIXES = ("head.", "pool.")


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt or incompatible; the text says which."""


@dataclass
class Checkpoint:
    model_name: str
    model_config: dict
    state_dict: dict
    class_names: list[str]
    layout: Layout
    channels: tuple[str, ...]
    normalisation: Normalisation
    stride: int = 5  # frames between two classifications of one person
    training: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    calibration: Calibration = field(default_factory=Calibration)  # fitted_on 0 = none

    @property
    def coord_dims(self) -> int:
        return len(self.channels) - 1

    @property
    def in_channels(self) -> int:
        return self.normalisation.channels(self.coord_dims)

    def build(self) -> torch.nn.Module:
        model = _built(self, len(self.class_names))
        try:
            model.load_state_dict(self.state_dict, strict=True)
        except RuntimeError as exc:
            raise CheckpointError(
                f"weights do not fit model {self.model_name!r}: {str(exc).splitlines()[0]}"
            ) from exc
        return model.eval()

    def save(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        torch.save(
            {
                "format": FORMAT,
                "model_name": self.model_name,
                "model_config": self.model_config,
                "state_dict": self.state_dict,
                "class_names": list(self.class_names),
                "layout": layout_to_json(self.layout),
                "channels": list(self.channels),
                "normalisation": self.normalisation.to_dict(),
                "stride": self.stride,
                "training": self.training,
                "metrics": self.metrics,
                "calibration": self.calibration.to_dict(),
            },
            path,
        )


@dataclass
class Pretrained:
    """A backbone trained without action labels (2D->3D lifting): a start for ``--init``.

    It has no classes, so the node and ``har eval`` refuse it; ``har train
    --init`` takes its weights (all but the classifier's) and its model settings.
    """

    model_name: str
    model_config: dict
    state_dict: dict
    layout: Layout
    channels: tuple[str, ...]
    normalisation: Normalisation
    training: dict = field(default_factory=dict)
    class_names: tuple[str, ...] = ()

    def save(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        torch.save(
            {
                "format": PRETRAINED_FORMAT,
                "model_name": self.model_name,
                "model_config": self.model_config,
                "state_dict": self.state_dict,
                "layout": layout_to_json(self.layout),
                "channels": list(self.channels),
                "normalisation": self.normalisation.to_dict(),
                "training": self.training,
            },
            path,
        )


def _read(path: Path) -> dict:
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds (pickle, zip, EOF, runtime)
        raise CheckpointError(
            f"{path} is not a readable checkpoint (corrupt or truncated?): "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from exc
    if not isinstance(raw, dict):
        raise CheckpointError(
            f"{path} is not a har_ros action checkpoint (it holds a {type(raw).__name__})"
        )
    return raw


def _check(path: Path, saved: Checkpoint | Pretrained) -> None:
    """What both kinds of file must hold: a known model, finite weights, a sound layout."""
    if saved.model_name not in MODEL_NAMES:
        raise CheckpointError(f"{path}: unknown model {saved.model_name!r}")
    if not isinstance(saved.state_dict, dict) or len(saved.channels) < 2:
        raise CheckpointError(
            f"{path}: incomplete metadata: weights must be a mapping and channels at "
            f"least a coordinate and the score, got {type(saved.state_dict).__name__} "
            f"and {list(saved.channels)}"
        )
    broken = [
        k
        for k, v in saved.state_dict.items()
        if torch.is_tensor(v) and v.is_floating_point() and not torch.isfinite(v).all()
    ]
    if broken:  # every output would be NaN
        raise CheckpointError(f"{path}: non-finite weights in {broken[:3]}")
    known = KNOWN_LAYOUTS.get(saved.layout.name)
    if known is not None and saved.layout.joints != known.joints:  # skeletons of that
        # name would reach a model of other joints
        raise CheckpointError(
            f"{path}: layout {known.name!r} with other joints than the "
            "known one (a custom layout needs a name of its own)"
        )


def _built(saved: Checkpoint | Pretrained, classes: int) -> torch.nn.Module:
    """The model the file describes, untrained; CheckpointError for settings it cannot take."""
    try:
        return build_model(
            saved.model_name,
            saved.normalisation.channels(len(saved.channels) - 1),
            classes,
            saved.layout,
            saved.model_config,
        )
    except (TypeError, ValueError, RuntimeError) as exc:  # settings the model cannot take
        raise CheckpointError(
            f"model {saved.model_name!r} cannot be built from its settings: {exc}"
        ) from exc


def load_init(path: str | Path) -> Checkpoint | Pretrained:
    """What ``--init`` starts from: a trained checkpoint or a pretrained backbone."""
    path = Path(path)
    raw = _read(path)
    if raw.get("format") != PRETRAINED_FORMAT:
        return load_checkpoint(path)
    try:
        pretrained = Pretrained(
            raw["model_name"],
            dict(raw["model_config"]),
            raw["state_dict"],
            layout_from_json(raw["layout"]),
            tuple(raw["channels"]),
            Normalisation.from_dict(raw["normalisation"]),
            dict(raw.get("training", {})),
        )
    except (KeyError, TypeError, ValueError, LayoutError) as exc:
        raise CheckpointError(f"{path}: incomplete metadata: {exc!r}") from exc
    _check(path, pretrained)
    try:
        model = _built(pretrained, 1)
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: {exc}") from exc
    try:
        missing, unexpected = model.load_state_dict(pretrained.state_dict, strict=False)
    except RuntimeError as exc:
        raise CheckpointError(
            f"{path}: weights do not fit model {pretrained.model_name!r}: "
            f"{str(exc).splitlines()[0]}"
        ) from exc
    missing = [k for k in missing if not k.startswith(CLASSIFIER_PREFIXES)]
    if missing or unexpected:
        raise CheckpointError(
            f"{path}: weights do not fit model {pretrained.model_name!r}: missing "
            f"{missing[:3]}, unexpected {unexpected[:3]}"
        )
    return pretrained


def load_checkpoint(path: str | Path, expect_layout: str | None = None) -> Checkpoint:
    """Load and validate; also builds the model once so bad weights fail here."""
    path = Path(path)
    raw = _read(path)
    if raw.get("format") == PRETRAINED_FORMAT:
        raise CheckpointError(
            f"{path} is a pretrained backbone without action classes: fine-tune it "
            f"first (har train --init {path})"
        )
    if raw.get("format") != FORMAT:
        raise CheckpointError(
            f"{path} is not a har_ros action checkpoint (format {raw.get('format')})"
        )
    try:  # apart: a value out of range is not "incomplete", and the text says which
        calibration = Calibration.from_dict(dict(raw.get("calibration", {})))
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: calibration refused: {exc}") from exc
    try:
        checkpoint = Checkpoint(
            raw["model_name"],
            dict(raw["model_config"]),
            raw["state_dict"],
            list(raw["class_names"]),
            layout_from_json(raw["layout"]),
            tuple(raw["channels"]),
            Normalisation.from_dict(raw["normalisation"]),
            int(raw["stride"]),
            dict(raw.get("training", {})),
            dict(raw.get("metrics", {})),
            calibration,
        )
    except (KeyError, TypeError, ValueError, LayoutError) as exc:
        raise CheckpointError(f"{path}: incomplete metadata: {exc!r}") from exc
    _check(path, checkpoint)
    if expect_layout is not None and checkpoint.layout.name != expect_layout:
        raise CheckpointError(
            f"{path}: layout {checkpoint.layout.name!r}, expected {expect_layout!r}"
        )
    try:
        checkpoint.build()
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: {exc}") from exc
    return checkpoint
