"""Training: augmented windows, AdamW with a one-cycle schedule, epoch chosen on validation.

A streaming model trains on labelled streams instead (stream_training.py), optionally
taught by a window model (distillation.py).
"""

from __future__ import annotations

import copy
import os
import time
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np
import torch
from torch import nn

from . import calibration
from .augment import Augmentation, augment
from .checkpoint import CLASSIFIER_PREFIXES, Checkpoint, load_init
from .contrastive import ContrastiveConfig, group_loss, instance_loss, noised
from .dataset import SequenceDataset
from .devices import Processes, resolve_device
from .distillation import DistillationPool, Teacher, TeacherError, distillation_loss
from .models import (
    MODEL_NAMES,
    STREAMING_MODELS,
    StreamingModel,
    build_model,
    model_settings,
)
from .preprocess import (
    Normalisation,
    at_model_rate,
    batch_window_features,
    stream_window,
    stride_windows,
    training_window,
    window_features,
)
from .recipe import apply, resolve
from .stream_training import labelled_streams, stream_batch, stream_loss


@dataclass
class TrainConfig:
    model: str = "stgcn"
    window: int = 32
    epochs: int | None = None  # None: from the dataset's size (recipe.py)
    batch_size: int = 32
    lr: float = 3e-3
    weight_decay: float = 1e-3
    noise: float = 0.0  # training keypoint noise, fraction of the torso length
    augment: bool = True
    seed: int = 0
    val_fraction: float | None = None  # None: a hold-out only where classes can spare it
    mirror: str = "auto"  # left/right flips: "on", "off", or "auto" (off for sided classes)
    features: tuple[str, ...] = ("position", "velocity", "bone")  # channel groups (preprocess)
    patience: int = 25
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    stride: int = 5
    model_config: dict = field(default_factory=dict)
    sampling: str = "resample"  # or "crop" (windows of a stream, see preprocess)
    rate_hz: float = 30.0  # model time base for "crop"
    centre: str = "hips"  # or "hips_sequence" (keeps motion across the window)
    scale: str = "torso"  # or "frame_torso" (each frame its own: streaming models)
    rotate: str = "none"  # or "face_camera" (3D data: each window turned to face the camera)
    exposure: float = 0.1  # streaming models: weight of outlier exposure (0 = off)
    pause_class: str = ""  # streaming models: the class of standing still; "" = none of them
    view_yaw: float = 0.0  # augmentation: the camera turned by up to this many degrees
    teacher: str = ""  # streaming models: a window checkpoint whose outputs are soft targets
    distill: float = 1.0  # with a teacher: weight of its soft targets beside the labels
    distill_every: int = 4  # with a teacher: a soft target at every this many frames
    distill_temperature: float = 2.0  # with a teacher: softens both distributions
    distill_pool: int = 4  # with a teacher: pooled streams per training clip (targets made once)
    # streaming models on streams: weight of a second loss, on the label at the last frame of
    # one-action windows of the training clips (what keeps actions that differ late apart)
    window_loss: float = 0.0
    init: str = ""  # checkpoint to start from (fine-tuning); its model and settings are used
    freeze: str = "none"  # "backbone": train only the classifier head (with init)
    contrastive: dict = field(default_factory=dict)  # ContrastiveConfig fields; empty = off
    # early recognition ("crop" only): share of windows ending at a uniformly random frame
    # of the clip, what came before being another clip of the subject or its first frame
    early: float = 0.0
    early_min_fill: float = 0.25  # the least share of a window such a window holds
    rejection: str = "max_softmax"  # the "unknown" score: max_softmax or energy
    known_rejection: float = 0.05  # share of held-out known windows the threshold rejects
    calibration_fraction: float = 0.1  # per-class hold-out for calibration without val rows
    device: str = "auto"  # auto (CUDA when torch sees one), cpu, cuda, cuda:N (devices.py)
    amp: bool = False  # mixed precision (float16 autocast and a gradient scaler); CUDA only

    def validate(self) -> None:
        """Every check of the settings, before any data is touched; the error names the field.

        InitError for ``freeze`` (it depends on ``init``), SettingsError otherwise.
        """
        if self.freeze not in FREEZE_CHOICES:
            raise InitError(f"freeze must be one of {FREEZE_CHOICES}, got {self.freeze!r}")
        if self.freeze != "none" and not self.init:
            raise InitError("freezing the backbone needs --init (a backbone to keep)")
        if self.model not in MODEL_NAMES:
            raise SettingsError(f"model must be one of {MODEL_NAMES}, got {self.model!r}")
        for name in ("window", "batch_size", "patience", "stride", "threads"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.epochs is not None and self.epochs < 1:
            raise SettingsError(f"epochs must be at least 1, got {self.epochs}")
        if not (self.lr > 0 and self.weight_decay >= 0 and self.noise >= 0 and self.rate_hz > 0):
            raise SettingsError(
                f"lr and rate_hz must be > 0, weight_decay and noise >= 0, got "
                f"{self.lr}, {self.rate_hz}, {self.weight_decay}, {self.noise}"
            )
        if self.teacher and (
            not self.on_streams
            or not self.distill >= 0
            or self.distill_every < 1
            or not self.distill_temperature > 0
            or self.distill_pool < 1
        ):
            raise SettingsError(
                "a teacher teaches a streaming model on streams, with distill >= 0, "
                "distill_every >= 1, "
                f"distill_temperature > 0 and distill_pool >= 1, got {self.model}, "
                f"{self.distill}, {self.distill_every}, {self.distill_temperature}, "
                f"{self.distill_pool}"
            )
        if not self.window_loss >= 0 or (self.window_loss > 0 and not self.on_streams):
            raise SettingsError(
                f"window_loss must be >= 0, and > 0 only on streams, got {self.window_loss}"
            )
        if not 0.0 <= self.view_yaw < 90.0:
            raise SettingsError(f"view_yaw must be in [0, 90) degrees, got {self.view_yaw}")
        if self.view_yaw and not self.augment:
            raise SettingsError("view_yaw is an augmentation: it needs augment (no --no-augment)")
        if self.val_fraction is not None and not 0.0 <= self.val_fraction < 1.0:
            raise SettingsError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if self.mirror not in MIRROR_CHOICES:
            raise SettingsError(f"mirror must be one of {MIRROR_CHOICES}, got {self.mirror!r}")
        if not 0.0 <= self.early <= 1.0 or not 0.0 < self.early_min_fill <= 1.0:
            raise SettingsError(
                f"early must be in [0, 1] and early_min_fill in (0, 1], got "
                f"{self.early} and {self.early_min_fill}"
            )
        if self.early > 0 and self.sampling != "crop":
            raise SettingsError("early recognition needs --sampling crop (windows of a stream)")
        if self.model in STREAMING_MODELS and (
            self.rotate != "none"
            or self.sampling not in ("stream", "crop")
            or self.scale != "frame_torso"
            or self.contrastive
            or self.stride != 1
            or self.centre != "hips"
        ):
            # a frame's features must not depend on the window around it, or the node's
            # two-frame windows would show the model other numbers than training did
            raise SettingsError(
                f"{self.model} is a streaming model: use --stream (sampling stream or "
                "crop, scale frame_torso, centre hips, stride 1, no rotation, no "
                "contrastive terms)"
            )
        if self.on_streams and self.model not in STREAMING_MODELS:
            raise SettingsError(f"sampling stream trains a streaming model, not {self.model}")
        if not self.exposure >= 0:
            raise SettingsError(f"exposure must be >= 0, got {self.exposure}")
        if self.rejection not in calibration.SCORES:
            raise SettingsError(
                f"rejection must be one of {calibration.SCORES}, got {self.rejection!r}"
            )
        if not 0.0 <= self.calibration_fraction < 1.0 or not 0.0 <= self.known_rejection < 1.0:
            raise SettingsError("calibration_fraction and known_rejection must be in [0, 1)")
        try:
            device = resolve_device(self.device)
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        if self.amp and device.type != "cuda":
            raise SettingsError(f"amp (mixed precision) runs on CUDA, not on {device}")
        if self.model == "posec3d" and self.features[0] != "position":
            raise SettingsError("posec3d draws its maps from the position group: list it first")
        try:
            self.normalisation()
            if self.contrastive:
                ContrastiveConfig(**self.contrastive).validate()
        except (TypeError, ValueError) as exc:
            raise SettingsError(str(exc)) from None

    @property
    def on_streams(self) -> bool:
        """Trained on labelled streams, per frame (else on one-action windows)."""
        return self.sampling == "stream"

    def normalisation(self) -> Normalisation:
        """The input normalisation these settings describe (stored in the checkpoint)."""
        return Normalisation(
            window=self.window,
            centre=self.centre,
            sampling=self.sampling,
            rate_hz=self.rate_hz,
            features=tuple(self.features),
            scale=self.scale,
            rotate=self.rotate,
        )

    @classmethod
    def from_dict(cls, values: dict, origin: str = "settings") -> TrainConfig:
        """A config from a mapping of field names (an experiment file).

        Unknown or mistyped fields are refused by name; missing ones keep their defaults.
        """
        fields_by_name = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(fields_by_name))
        if unknown:
            raise SettingsError(
                f"{origin}: unknown training settings {unknown}; known: {sorted(fields_by_name)}"
            )
        defaults = cls()
        typed: dict[str, object] = {}
        for name, value in values.items():
            default = getattr(defaults, name)
            if name in ("epochs", "val_fraction") and value is None:
                typed[name] = None
                continue
            kind = type(default) if default is not None else (int if name == "epochs" else float)
            if kind is tuple and isinstance(value, list):
                value = tuple(value)
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if type(value) is not kind:
                raise SettingsError(f"{origin}: {name} must be a {kind.__name__}, got {value!r}")
            typed[name] = value
        return cls(**typed)


#: What `har train --stream` sets (flags given beside it still win): a streaming model
#: trained on labelled streams with outlier exposure, one output per frame at 15 Hz.
STREAM_SETTINGS = {
    "model": "stream_stgcn",
    "sampling": "stream",
    "scale": "frame_torso",
    "stride": 1,
    "window": 48,
    "rate_hz": 15.0,
    "rejection": "energy",
    "features": ("position", "motion", "bone"),
}

FREEZE_CHOICES = ("none", "backbone")
MIRROR_CHOICES = ("auto", "on", "off")
MIRROR_PROBABILITY = 0.5  # of a left/right flip per clip and epoch, where mirroring is on


class InitError(ValueError):
    """A checkpoint cannot start this training; the text says why."""


class SettingsError(ValueError):
    """A training setting is out of range; the text names it."""


def start_from(
    checkpoint, dataset: SequenceDataset, config: TrainConfig
) -> tuple[SequenceDataset, TrainConfig]:
    """The dataset in the checkpoint's layout; the config with its model and input features.

    Its features, centre, scale and rotation say what its input channels
    mean, so they are taken; window, sampling and rate may differ.

    A dataset in another layout is converted to the checkpoint's when
    har_ros.skeleton.conversions has a mapping (e.g. openpose18 -> coco17).
    """
    from ..skeleton.conversions import can_convert, convert

    if len(dataset.channels) != len(checkpoint.channels):
        raise InitError(
            f"--init {config.init}: channels {checkpoint.channels}, the data has {dataset.channels}"
        )
    if dataset.layout != checkpoint.layout:
        source, target = dataset.layout.name, checkpoint.layout.name
        if not can_convert(source, target):
            raise InitError(
                f"--init {config.init}: layout {target!r}, the data is {source!r} "
                "and no conversion maps one to the other"
            )
        dataset = SequenceDataset(
            [convert(s, source, target) for s in dataset.sequences],
            dataset.labels,
            dataset.class_names,
            dataset.subjects,
            checkpoint.layout,
            dataset.channels,
            dataset.split,
            dataset.views,
            {**dataset.meta, "converted_from": source},
        )
    norm = checkpoint.normalisation  # what its input channels mean; the time base may change
    config = TrainConfig(
        **{
            **asdict(config),
            "model": checkpoint.model_name,
            "model_config": dict(checkpoint.model_config),
            "features": tuple(norm.features),
            "centre": norm.centre,
            "scale": norm.scale,
            "rotate": norm.rotate,
        }
    )
    return dataset, config


def load_init_weights(model: nn.Module, checkpoint, class_names: list[str]) -> list[str]:
    """Copy the checkpoint's weights; the head only for the same class list. Keys copied."""
    state = dict(checkpoint.state_dict)
    if list(class_names) != list(checkpoint.class_names):
        state = {k: v for k, v in state.items() if not k.startswith("head.")}
    own = model.state_dict()
    mismatched = [k for k, v in state.items() if k in own and own[k].shape != v.shape]
    if mismatched:
        raise InitError(
            f"checkpoint weights do not fit the model: {mismatched[:3]} (the "
            "window or features differ from the checkpoint's)"
        )
    model.load_state_dict(state, strict=False)
    return sorted(state)


def contrastive_step(
    model: nn.Module, clean: torch.Tensor, noisy: torch.Tensor, labels: torch.Tensor, loss_fn, cfg
) -> torch.Tensor:
    """Classification on both views + instance and group contrastive terms (contrastive.py)."""
    z, w = model.embed(clean), model.embed(noisy)
    classify = 0.5 * (loss_fn(model.head(z), labels) + loss_fn(model.head(w), labels))
    return (
        classify
        + cfg.instance_weight * instance_loss(z, w, cfg.temperature)
        + cfg.group_weight * group_loss(z, w, labels, cfg.temperature)
    )


def batch_features(
    dataset: SequenceDataset,
    norm: Normalisation,
    aug: Augmentation | None = None,
    rng: np.random.Generator | None = None,
    noisy_view=None,
    early: float = 0.0,
    early_min_fill: float = 1.0,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Window features of every clip; with ``noisy_view`` also those of a noised copy.

    With ``early`` > 0 (training, "crop") that share of the windows is drawn as
    the node sees a clip go by (preprocess.stream_window).
    """
    fps = float(dataset.meta.get("fps", 30.0))
    same_subject = _clips_by_subject(dataset) if early > 0 else {}
    out, noisy = [], []
    for i, seq in enumerate(dataset.sequences):
        if aug is not None:
            seq = augment(seq, dataset.layout, aug, rng)
        if early > 0 and rng is not None and rng.random() < early:
            seq = stream_window(
                seq, fps, norm, rng, early_min_fill, _before(dataset, same_subject, i, rng)
            )
        else:
            seq = training_window(seq, fps, norm, rng if aug is not None else None)
        out.append(window_features(seq, dataset.layout, norm))
        if noisy_view is not None:
            noisy.append(window_features(noisy_view(seq), dataset.layout, norm))
    return (np.stack(out), np.stack(noisy)) if noisy_view is not None else np.stack(out)


def _clips_by_subject(dataset: SequenceDataset) -> dict[int, np.ndarray]:
    subjects = np.asarray(dataset.subjects)
    return {int(s): np.flatnonzero(subjects == s) for s in np.unique(subjects)}


def _before(
    dataset: SequenceDataset,
    same_subject: dict[int, np.ndarray],
    index: int,
    rng: np.random.Generator,
) -> np.ndarray | None:
    """What came before clip ``index``: half the time another clip of the subject, else none."""
    others = same_subject.get(int(dataset.subjects[index]), np.zeros(0, int))
    others = others[others != index]
    if not len(others) or rng.random() < 0.5:
        return None
    return dataset.sequences[int(rng.choice(others))]


def node_windows(
    dataset: SequenceDataset, norm: Normalisation, stride: int, min_fill: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of every window the node would classify of each clip."""
    fps = float(dataset.meta.get("fps", 30.0))
    x, y = [], []
    for seq, label in zip(dataset.sequences, dataset.labels, strict=True):
        for window in stride_windows(seq, fps, norm, stride, min_fill):
            x.append(window_features(window, dataset.layout, norm))
            y.append(label)
    return (np.stack(x), np.asarray(y, np.int64)) if x else (np.zeros((0,)), np.zeros(0, int))


def calibrate(
    model: nn.Module, held_out: SequenceDataset, norm: Normalisation, config: TrainConfig
) -> calibration.Calibration:
    """Temperature and rejection threshold on what the node would show of held-out clips.

    Their windows, or for a streaming model every frame of streams made of them.
    """
    if not len(held_out):
        return calibration.Calibration(score=config.rejection)
    if config.on_streams:
        logits, y = _held_out_stream_frames(model, held_out, norm, config)
    else:
        x, y = node_windows(
            held_out, norm, config.stride, config.early_min_fill if config.early > 0 else 1.0
        )
        logits = predict_logits(model, x)
    return calibration.fit(logits, y, config.rejection, config.known_rejection)


def pause_label(config: TrainConfig, class_names: list[str]) -> int | None:
    """The class index of standing still in training streams (None: no class is)."""
    return class_names.index(config.pause_class) if config.pause_class else None


def _held_out_stream_frames(
    model: nn.Module, held_out: SequenceDataset, norm: Normalisation, config: TrainConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Logits and labels of every labelled frame of streams of held-out clips.

    A streaming model is judged per frame, as the node shows it (action starts
    included), not once per clip: that also gives the temperature errors to fit.
    """
    x, y = stream_batch(
        held_out,
        max(len(held_out), 16),
        norm,
        np.random.default_rng(config.seed),
        exposure=False,
        pause_label=pause_label(config, list(held_out.class_names)),
    )
    model.eval()
    with torch.no_grad():
        logits = np.concatenate(
            [
                model.frame_logits(torch.from_numpy(x[i : i + 256]).to(model_device(model)))
                .float()
                .cpu()
                .numpy()
                for i in range(0, len(x), 256)
            ]
        )
    labelled = y >= 0
    return logits[labelled].astype(np.float64), y[labelled]


def split_train_val(
    dataset: SequenceDataset, fraction: float, seed: int
) -> tuple[SequenceDataset, SequenceDataset]:
    """Explicit "val" rows if the dataset has them, else a seeded per-class holdout."""
    if dataset.split is not None and np.any(dataset.split == "val"):
        return dataset.subset(dataset.split != "val"), dataset.subset(dataset.split == "val")
    rng = np.random.default_rng(seed)
    val = np.zeros(len(dataset), bool)
    for label in np.unique(dataset.labels):
        idx = np.flatnonzero(dataset.labels == label)
        take = max(1, round(fraction * len(idx))) if len(idx) > 1 and fraction > 0 else 0
        val[rng.choice(idx, size=take, replace=False)] = True
    return dataset.subset(~val), dataset.subset(val)


def model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.inference_mode()
def predict_logits(model: nn.Module, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """Logits of ``x`` in batches, on whatever device the model is."""
    model.eval()
    device = model_device(model)
    return (
        np.concatenate(
            [
                model(torch.from_numpy(x[i : i + batch]).to(device)).float().cpu().numpy()
                for i in range(0, len(x), batch)
            ]
        )
        if len(x)
        else np.zeros((0, 0))
    )


def clip_logits(model: nn.Module, dataset: SequenceDataset, norm: Normalisation) -> np.ndarray:
    """Each clip's logits: a window model's on the clip's window.

    A streaming model's at the clip's last frame, having stepped through the
    whole clip from a fresh state, as the node would for a new person: a window
    of it would put frames before the clip that never were (its first pose,
    held still, which a model trained with a pause class reads as standing).
    """
    if not isinstance(model, StreamingModel):
        return predict_logits(model, batch_features(dataset, norm))
    fps = float(dataset.meta.get("fps", 30.0))
    clips = [at_model_rate(sequence, fps, norm) for sequence in dataset.sequences]
    rows_by_length: dict[int, list[int]] = {}
    for row, clip in enumerate(clips):
        rows_by_length.setdefault(len(clip), []).append(row)
    logits = [np.zeros(0)] * len(clips)
    for rows in rows_by_length.values():  # clips of one length in one batch
        x = batch_window_features(np.stack([clips[r] for r in rows]), dataset.layout, norm)
        for row, row_logits in zip(rows, predict_logits(model, x), strict=True):
            logits[row] = row_logits
    return np.stack(logits) if clips else np.zeros((0, 0))


@dataclass
class _Run:
    """What one training run holds from its set-up to its checkpoint."""

    config: TrainConfig
    norm: Normalisation
    rng: np.random.Generator
    train_set: SequenceDataset
    val_set: SequenceDataset
    held_out: SequenceDataset  # calibration: the validation clips, or its own hold-out
    model: nn.Module
    optimiser: torch.optim.Optimizer
    schedule: torch.optim.lr_scheduler.LRScheduler
    loss_fn: nn.Module
    augmentation: Augmentation | None
    contrastive: ContrastiveConfig | None
    noisy_view: object  # clip -> noised clip, for contrastive training
    x_val: np.ndarray | None
    init_weights: list[str]  # keys copied from --init
    device: torch.device
    processes: Processes
    trainee: nn.Module  # the model, or its DistributedDataParallel wrapper under torchrun
    scaler: torch.amp.GradScaler | None  # --amp
    pool: DistillationPool | None = None  # streaming models: streams with a teacher's targets


@dataclass(frozen=True)
class _Best:
    """The best epoch so far: (validation accuracy, -loss) or (0, epoch), weights, epoch."""

    score: tuple[float, float]
    weights: dict
    epoch: int


def train(
    dataset: SequenceDataset, config: TrainConfig, progress: bool = True
) -> tuple[Checkpoint, dict]:
    """Train a model on ``dataset`` (its training rows); returns checkpoint and history."""
    from tqdm import tqdm

    config.validate()
    init = None
    if config.init:
        init = load_init(config.init)
        dataset, config = start_from(init, dataset, config)
    recipe = resolve(dataset, config.epochs, config.val_fraction, config.mirror, config.batch_size)
    run = _set_up(dataset, apply(config, recipe), init)
    config = run.config
    if config.pause_class and config.pause_class not in dataset.class_names:
        raise SettingsError(
            f"pause_class {config.pause_class!r} is not one of the classes "
            f"{list(dataset.class_names)}"
        )
    if config.teacher:
        from .checkpoint import load_checkpoint

        teacher = Teacher(
            load_checkpoint(config.teacher), config.distill_every, config.distill_temperature
        )
        try:
            teacher.check(
                list(dataset.class_names), dataset.layout.name, config.rate_hz, dataset.channels
            )
        except TeacherError as exc:
            raise SettingsError(f"teacher {config.teacher}: {exc}") from None
        streams, labels = labelled_streams(
            run.train_set,
            config.distill_pool * len(run.train_set),
            run.norm,
            run.rng,
            run.augmentation,
            exposure=config.exposure > 0,
            pause_label=pause_label(config, list(run.train_set.class_names)),
        )
        run.pool = DistillationPool.make(teacher, streams, labels, dataset.layout, run.norm)
    history: dict[str, list[float]] = {
        key: [] for key in ("epoch", "train_loss", "val_loss", "val_acc", "epoch_s")
    }
    # Best = highest validation accuracy, ties broken by the lower validation loss
    # (a small validation split saturates at 100 % long before training is done);
    # without a validation split, the last epoch.
    best = _Best((-1.0, -np.inf), {}, 0)
    started = time.perf_counter()
    assert config.epochs is not None  # the recipe has set it
    bar = tqdm(
        range(config.epochs),
        desc=f"train {config.model} on {run.device}"
        + (
            f" (process {run.processes.rank + 1} of {run.processes.world})"
            if run.processes.distributed
            else ""
        ),
        disable=not progress or not run.processes.main,
    )
    for epoch in bar:
        epoch_started = time.perf_counter()
        train_loss = _epoch(run)
        val_loss, val_acc = _evaluate(run)
        epoch_s = time.perf_counter() - epoch_started
        for key, value in zip(
            history, (epoch, train_loss, val_loss, val_acc, epoch_s), strict=True
        ):
            history[key].append(value)
        bar.set_postfix(
            loss=f"{train_loss:.3f}", val_acc=f"{val_acc:.3f}", epoch_s=f"{epoch_s:.1f}"
        )
        score = (0.0, float(epoch)) if run.x_val is None else (val_acc, -val_loss)
        if run.processes.distributed:  # process 0 decides the best epoch and the stop for all
            score = run.processes.from_main(score)
        if score > best.score:
            best = _Best(score, copy.deepcopy(run.model.state_dict()), epoch)
        elif epoch - best.epoch >= config.patience:
            break
    run.model.load_state_dict(best.weights)
    trained_on = str(run.device)
    run.model.cpu()  # calibrated and saved on the CPU: the checkpoint runs anywhere
    run.device = torch.device("cpu")
    run.processes.stop()
    training = {
        "config": asdict(config),
        "data": dataset.summary(),
        "train_sequences": len(run.train_set),
        "val_sequences": len(run.val_set),
        "calibration_sequences": len(run.held_out),
        "best_epoch": best.epoch,
        "best_val_acc": best.score[0],
        "seconds": time.perf_counter() - started,
        "device": trained_on,
        "processes": run.processes.world,
        "history": history,
        "init": config.init,
        "init_weights": len(run.init_weights),
        "recipe": list(recipe.reasons),
    }
    return _checkpoint(run, dataset, training), history


def _set_up(dataset: SequenceDataset, config: TrainConfig, init) -> _Run:
    """Seeds, splits, model (with --init weights), optimiser and schedule, augmentation."""
    torch.manual_seed(config.seed)
    torch.set_num_threads(max(1, config.threads))
    processes = Processes.from_environment()
    if processes.distributed and (config.on_streams or config.contrastive):
        raise SettingsError(  # before joining the process group, which would then hang
            "torchrun trains window models with the classification loss; streaming and "
            "contrastive training run in one process"
        )
    device = processes.start(resolve_device(config.device))
    rng = np.random.default_rng(config.seed)
    norm = config.normalisation()
    assert config.epochs is not None and config.val_fraction is not None  # the recipe's
    train_set, val_set = split_train_val(dataset, config.val_fraction, config.seed)
    held_out = val_set
    if not len(val_set) and config.calibration_fraction > 0:  # a hold-out to calibrate on
        train_set, held_out = split_train_val(
            train_set, config.calibration_fraction, config.seed + 1
        )
    coord_dims = len(dataset.channels) - 1
    model = build_model(
        config.model,
        norm.channels(coord_dims),
        len(dataset.class_names),
        dataset.layout,
        config.model_config,
    )
    copied = load_init_weights(model, init, dataset.class_names) if init is not None else []
    model.to(device)
    if config.freeze == "backbone":
        for name, parameter in model.named_parameters():
            parameter.requires_grad = name.startswith(CLASSIFIER_PREFIXES)
    optimiser = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad],
        lr=config.lr,
        weight_decay=config.weight_decay,
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser,
        max_lr=config.lr,
        # each torchrun process steps through its own share of every epoch
        total_steps=config.epochs
        * max(1, int(np.ceil(len(train_set) // processes.world / config.batch_size))),
    )
    mirror = MIRROR_PROBABILITY if config.mirror == "on" else 0.0
    aug = (
        Augmentation.default(config.noise, mirror, config.view_yaw)
        if config.augment
        else (Augmentation(noise=config.noise) if config.noise else None)
    )  # --no-augment: none
    contrastive = ContrastiveConfig(**config.contrastive) if config.contrastive else None
    noisy_view = None
    if contrastive is not None:

        def noisy_view(seq):
            return noised(
                seq, dataset.layout, contrastive.alpha, rng, jitter_sigma=contrastive.jitter_sigma
            )

    if hasattr(model, "fit_input_scale") and not copied:  # from clean training streams
        x, _ = stream_batch(
            train_set,
            min(len(train_set), 256),
            norm,
            np.random.default_rng(config.seed),
            exposure=False,
        )
        model.fit_input_scale(torch.from_numpy(x).to(device))
    x_val = batch_features(val_set, norm) if len(val_set) else None
    trainee = model
    if processes.distributed:
        from torch.nn.parallel import DistributedDataParallel

        trainee = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    return _Run(
        config,
        norm,
        rng,
        train_set,
        val_set,
        held_out,
        model,
        optimiser,
        schedule,
        nn.CrossEntropyLoss(label_smoothing=0.1),
        aug,
        contrastive,
        noisy_view,
        x_val,
        copied,
        device,
        processes,
        trainee,
        torch.amp.GradScaler("cuda") if config.amp else None,
    )


def _on(run: _Run, array: np.ndarray) -> torch.Tensor:
    """A batch on the training device (pinned first, so the copy overlaps the work)."""
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    if run.device.type == "cuda":
        return tensor.pin_memory().to(run.device, non_blocking=True)
    return tensor


def _forward(run: _Run):
    """The context a training forward pass runs in: float16 autocast with --amp."""
    return torch.autocast("cuda", dtype=torch.float16, enabled=run.scaler is not None)


def _step(run: _Run, loss: torch.Tensor) -> float:
    """One optimiser step on ``loss`` (scaled with --amp); the loss."""
    run.optimiser.zero_grad()
    if run.scaler is not None:
        run.scaler.scale(loss).backward()
        run.scaler.step(run.optimiser)
        run.scaler.update()
    else:
        loss.backward()
        run.optimiser.step()
    run.schedule.step()
    return float(loss.item())


def _epoch(run: _Run) -> float:
    """One pass over freshly augmented training windows; the mean batch loss."""
    config = run.config
    if config.on_streams:
        return _stream_epoch(run)
    x = batch_features(
        run.train_set,
        run.norm,
        run.augmentation,
        run.rng,
        run.noisy_view,
        config.early,
        config.early_min_fill,
    )
    x, x_noisy = x if run.noisy_view is not None else (x, None)
    y = run.train_set.labels
    order = run.processes.shard(run.rng.permutation(len(x)))
    run.model.train()
    if config.freeze == "backbone":  # a frozen backbone keeps its batch-norm statistics
        for name, module in run.model.named_children():
            if not f"{name}.".startswith(CLASSIFIER_PREFIXES):  # what --freeze trains
                module.eval()
    losses = []
    for i in range(0, len(order), config.batch_size):
        idx = order[i : i + config.batch_size]
        if len(idx) < 2:
            continue
        labels = _on(run, y[idx])
        with _forward(run):
            if run.contrastive is None:
                loss = run.loss_fn(run.trainee(_on(run, x[idx])), labels)
            else:
                assert x_noisy is not None  # contrastive training makes the noised view
                loss = contrastive_step(
                    run.model,
                    _on(run, x[idx]),
                    _on(run, x_noisy[idx]),
                    labels,
                    run.loss_fn,
                    run.contrastive,
                )
        losses.append(_step(run, loss))
    return float(np.mean(losses))


def _stream_epoch(run: _Run) -> float:
    """One pass over labelled streams (as many as training clips), the loss per frame.

    Freshly drawn each epoch; with a teacher, drawn from its pool of streams
    whose soft targets were made once.
    """
    config = run.config
    soft = None
    if run.pool is not None:
        x, y, soft = run.pool.draw(len(run.train_set), run.rng)
    else:
        x, y = stream_batch(
            run.train_set,
            len(run.train_set),
            run.norm,
            run.rng,
            run.augmentation,
            exposure=config.exposure > 0,
            pause_label=pause_label(config, list(run.train_set.class_names)),
        )
    windows = None
    if config.window_loss > 0:  # one window per training clip, its label at the last frame
        windows = batch_features(
            run.train_set, replace(run.norm, sampling="crop"), run.augmentation, run.rng
        )
        order = run.rng.permutation(len(windows))
        windows, window_labels = windows[order], run.train_set.labels[order]
    run.model.train()
    losses = []
    for i in range(0, len(x), config.batch_size):  # a batch of one still has many frames
        batch = slice(i, i + config.batch_size)
        with _forward(run):
            logits = run.model.frame_logits(_on(run, x[batch]))
            labels = _on(run, y[batch])
            loss = stream_loss(logits, labels, config.exposure)
            if windows is not None and len(windows[batch]):
                loss = loss + config.window_loss * run.loss_fn(
                    run.model(_on(run, windows[batch])), _on(run, window_labels[batch])
                )
            if soft is not None and run.pool is not None and config.distill > 0:
                loss = loss + config.distill * distillation_loss(
                    logits,
                    _on(run, soft[batch]),
                    run.pool.frames,
                    labels >= 0,
                    config.distill_temperature,
                )
        losses.append(_step(run, loss))
    return float(np.mean(losses))


def _evaluate(run: _Run) -> tuple[float, float]:
    """Validation loss and accuracy (NaN and 0 without a validation split)."""
    if run.x_val is None:
        return float("nan"), 0.0
    if run.config.on_streams:  # judged per frame, as the node shows it
        logits, y_val = _held_out_stream_frames(run.model, run.val_set, run.norm, run.config)
    else:
        y_val = run.val_set.labels
        logits = predict_logits(run.model, run.x_val)
    loss = float(run.loss_fn(torch.from_numpy(logits), torch.from_numpy(y_val)))
    return loss, float((logits.argmax(1) == y_val).mean())


def _checkpoint(run: _Run, dataset: SequenceDataset, training: dict) -> Checkpoint:
    """The trained model, calibrated on the held-out clips, with how it was trained."""
    config = run.config
    return Checkpoint(
        config.model,
        model_settings(config.model, config.model_config),
        run.model.state_dict(),
        list(dataset.class_names),
        dataset.layout,
        dataset.channels,
        run.norm,
        config.stride,
        training,
        calibration=calibrate(run.model, run.held_out, run.norm, config),
    )
