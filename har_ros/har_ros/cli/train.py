"""`har train`: train an action model on a dataset spec and write one checkpoint file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..action.calibration import SCORES
from ..action.models import MODEL_NAMES
from ..action.preprocess import CENTRES, ROTATIONS, SAMPLINGS, check_features
from ..action.train import FREEZE_CHOICES, MIRROR_CHOICES, STREAM_SETTINGS, TrainConfig

DEFAULTS = TrainConfig()  # one source of truth: flags only carry what the user typed


def _default(name: str) -> str:
    return f" (default: {getattr(DEFAULTS, name)})"


def _features(text: str) -> tuple[str, ...]:
    try:
        features = tuple(f for f in text.split(",") if f)
        check_features(features)
        return features
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object, e.g. '{\"widths\": [64]}'")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        required=True,
        help="npz:PATH | utd_mhad:DIR | utd_mhad3d:DIR | openpose:DIR | bag:PATH | pyskl:FILE.pkl",
    )
    parser.add_argument("--out", required=True, help="checkpoint file to write (.pt)")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="YAML of TrainConfig fields (an experiment as data); flags given "
        "here override it, fields it leaves out keep their defaults",
    )
    parser.add_argument("--model", choices=MODEL_NAMES, help=_default("model"))
    parser.add_argument(
        "--stream",
        action="store_true",
        help="a streaming model trained on labelled streams with outlier "
        "exposure: one output per frame, the past in its state ("
        + ", ".join(f"{k} {v}" for k, v in STREAM_SETTINGS.items())
        + "; flags given beside it win)",
    )
    parser.add_argument(
        "--pause-class",
        help="streaming models: the class of standing still "
        "between actions (e.g. waiting); default: none of the classes",
    )
    parser.add_argument(
        "--exposure",
        type=float,
        help="streaming models: weight of outlier exposure, 0 = off" + _default("exposure"),
    )
    parser.add_argument(
        "--teacher",
        metavar="CKPT",
        help="streaming models: a window checkpoint of the same classes whose outputs on "
        "the last window are soft targets (knowledge distillation)",
    )
    parser.add_argument(
        "--distill",
        type=float,
        help="with --teacher: weight of the soft targets beside the labels" + _default("distill"),
    )
    parser.add_argument(
        "--window-loss",
        type=float,
        metavar="W",
        help="streaming models on streams: weight of a loss on one-action windows' label at "
        "their last frame, beside the per-frame one" + _default("window_loss"),
    )
    parser.add_argument(
        "--epochs", type=int, help="default: from the dataset's size (about 3000 steps, 60-400)"
    )
    parser.add_argument(
        "--val-fraction",
        type=float,
        help="per-class hold-out for choosing the epoch; default: 0.15 where "
        "the smallest class has 40 clips, else none (last epoch)",
    )
    parser.add_argument(
        "--features",
        type=_features,
        help="input channel groups: position, velocity (in the frame's own "
        "centre), motion (keeps the body's travel), bone" + _default("features"),
    )
    parser.add_argument(
        "--mirror",
        choices=MIRROR_CHOICES,
        help="left/right flips; auto = on unless a class is named by its side",
    )
    parser.add_argument("--window", type=int, help="frames per window" + _default("window"))
    parser.add_argument(
        "--stride", type=int, help="frames between node outputs" + _default("stride")
    )
    parser.add_argument(
        "--noise",
        type=float,
        help="training keypoint noise σ, fraction of the torso length" + _default("noise"),
    )
    parser.add_argument(
        "--view-yaw",
        type=float,
        help="augmentation: the camera turned by up to this many degrees about "
        "the vertical (x squashed by its cosine)" + _default("view_yaw"),
    )
    parser.add_argument(
        "--no-augment",
        dest="augment",
        action="store_const",
        const=False,
        help="no augmentation (keypoint noise only, with --noise)",
    )
    parser.add_argument("--batch-size", type=int, help=_default("batch_size"))
    parser.add_argument("--lr", type=float, help=_default("lr"))
    parser.add_argument("--seed", type=int, help=_default("seed"))
    parser.add_argument("--threads", type=int, help="torch threads (default: all cores)")
    parser.add_argument(
        "--model-config",
        type=_json_object,
        help="JSON overrides of the model's settings, e.g. widths",
    )
    parser.add_argument(
        "--split", default="train", help="rows to train on when the data has a split column"
    )
    parser.add_argument(
        "--sampling",
        choices=SAMPLINGS,
        help="whole clips squeezed into the window, or stream-like crops" + _default("sampling"),
    )
    parser.add_argument(
        "--rate",
        dest="rate_hz",
        type=float,
        help="model time base in Hz for --sampling crop" + _default("rate_hz"),
    )
    parser.add_argument(
        "--centre",
        choices=CENTRES,
        help="centre each frame, or the whole window (keeps walking visible)" + _default("centre"),
    )
    parser.add_argument(
        "--rotate",
        choices=ROTATIONS,
        help="3D data: face_camera turns each window about the vertical so the hips face "
        "the camera (any viewpoint looks frontal)" + _default("rotate"),
    )
    parser.add_argument("--views", default="", help="only these comma-separated views")
    parser.add_argument(
        "--device",
        help="auto (CUDA when torch sees one), cpu, cuda or cuda:N; under torchrun each "
        "process takes its own GPU" + _default("device"),
    )
    parser.add_argument(
        "--amp",
        action="store_const",
        const=True,
        help="mixed precision on CUDA (float16 autocast)" + _default("amp"),
    )
    parser.add_argument(
        "--init",
        metavar="CKPT",
        help="start from this checkpoint or pretrained backbone (its model, model "
        "settings and input features); another class list gets a new head, another "
        "layout is converted",
    )
    parser.add_argument(
        "--freeze", choices=FREEZE_CHOICES, help="with --init: train only the classifier head"
    )
    parser.add_argument(
        "--pretrain",
        choices=("lift",),
        help="instead of classifying: pretrain the backbone (dstformer) to lift noised 2D "
        "to the data's 3D joints (--noise-alpha of them perturbed; 3D data, its test "
        "split never used); --out is then a backbone for --init",
    )
    parser.add_argument(
        "--contrastive",
        action="store_true",
        help="noise-robust contrastive training (clean + noised view)",
    )
    parser.add_argument(
        "--contrastive-weights",
        default="0.1,0.1",
        metavar="INSTANCE,GROUP",
        help="weights of the instance and the class-wise contrastive terms",
    )
    parser.add_argument(
        "--noise-alpha",
        type=float,
        default=0.1,
        help="fraction of joints/frames perturbed in the noised view",
    )
    parser.add_argument(
        "--early",
        type=float,
        metavar="SHARE",
        help="early recognition (--sampling crop): this share of the windows "
        "ends at a random frame of the clip, as the node sees an action "
        "begin; run the node with min_fill = --early-min-fill" + _default("early"),
    )
    parser.add_argument(
        "--early-min-fill",
        type=float,
        help="least share of a window an early window holds" + _default("early_min_fill"),
    )
    parser.add_argument(
        "--rejection",
        choices=SCORES,
        help="score the node thresholds for 'unknown'" + _default("rejection"),
    )
    parser.add_argument(
        "--known-rejection",
        type=float,
        help="share of held-out known windows the 'unknown' threshold rejects"
        + _default("known_rejection"),
    )
    parser.add_argument(
        "--calibration-fraction",
        type=float,
        help="per-class hold-out for temperature and threshold when the data "
        "has no validation hold-out" + _default("calibration_fraction"),
    )


# flags that are TrainConfig fields under the same name (dest)
CONFIG_FLAGS = (
    "model",
    "epochs",
    "val_fraction",
    "features",
    "mirror",
    "window",
    "stride",
    "noise",
    "augment",
    "batch_size",
    "lr",
    "seed",
    "threads",
    "model_config",
    "sampling",
    "rate_hz",
    "centre",
    "rotate",
    "init",
    "freeze",
    "early",
    "early_min_fill",
    "rejection",
    "known_rejection",
    "calibration_fraction",
    "exposure",
    "teacher",
    "distill",
    "window_loss",
    "pause_class",
    "view_yaw",
    "device",
    "amp",
)


def train_config(args: argparse.Namespace) -> TrainConfig:
    """TrainConfig's defaults, then the --config file, then the flags given; validated."""
    from dataclasses import replace

    config = read_config_file(args.config) if args.config else TrainConfig()
    if args.stream:
        config = replace(config, **STREAM_SETTINGS)
    given = {name: getattr(args, name) for name in CONFIG_FLAGS if getattr(args, name) is not None}
    if given.get("threads") == 0:  # 0 = all cores, the default
        given["threads"] = DEFAULTS.threads
    if args.contrastive:
        given["contrastive"] = _contrastive(args)
    config = replace(config, **given)
    config.validate()
    return config


def read_config_file(path: str) -> TrainConfig:
    """A TrainConfig from a YAML mapping of its fields; SettingsError saying what is wrong."""
    import yaml

    from ..action.train import SettingsError

    try:
        values = yaml.safe_load(Path(path).read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SettingsError(f"--config {path}: cannot read it: {exc}") from None
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise SettingsError(
            f"--config {path}: must be a mapping of training settings, got {type(values).__name__}"
        )
    return TrainConfig.from_dict(values, origin=f"--config {path}")


def run(args: argparse.Namespace) -> int:
    from ..action.checkpoint import CheckpointError
    from ..action.dataset import DatasetError
    from ..action.train import InitError, SettingsError

    try:
        return _train(args)
    except (DatasetError, CheckpointError, InitError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _contrastive(args: argparse.Namespace) -> dict:
    from ..action.train import SettingsError

    try:
        instance, group = (float(v) for v in args.contrastive_weights.split(","))
    except ValueError:
        raise SettingsError("--contrastive-weights must be two numbers: INSTANCE,GROUP") from None
    return {"instance_weight": instance, "group_weight": group, "alpha": args.noise_alpha}


def _train(args: argparse.Namespace) -> int:
    from ..action.devices import Processes
    from ..action.loaders import select_views
    from ..action.train import train
    from .data import load_data

    config = train_config(args)  # settings refused before the data is loaded
    dataset = load_data(args.data)
    if dataset.split is not None and args.split:
        dataset = (
            dataset.subset(dataset.split != "test")
            if args.split == "train"
            else dataset.subset(dataset.split == args.split)
        )
    dataset = select_views(dataset, args.views)
    if args.pretrain:
        return _pretrain(dataset, config, args)
    checkpoint, _ = train(dataset, config)
    if not Processes.from_environment().main:  # under torchrun one process writes and reports
        return 0
    checkpoint.training["data_spec"] = args.data
    checkpoint.save(args.out)
    t = checkpoint.training
    print(
        json.dumps(
            {
                "checkpoint": args.out,
                "model": checkpoint.model_name,
                "best_val_acc": t["best_val_acc"],
                "best_epoch": t["best_epoch"],
                "train_seconds": round(t["seconds"], 1),
                "device": t["device"],
                "processes": t["processes"],
                "train_sequences": t["train_sequences"],
                "calibration": checkpoint.calibration.to_dict(),
                "recipe": t["recipe"],
            }
        )
    )
    return 0


def _pretrain(dataset, config: TrainConfig, args: argparse.Namespace) -> int:
    from ..action.lifting import pretrain_lifting

    try:
        pretrained = pretrain_lifting(dataset, config, args.noise_alpha)
    except ValueError as exc:  # a model that cannot lift, a corruption out of range
        print(f"error: {exc}", file=sys.stderr)
        return 2
    pretrained.training["data_spec"] = args.data
    pretrained.save(args.out)
    t = pretrained.training
    print(
        json.dumps(
            {
                "pretrained": args.out,
                "model": pretrained.model_name,
                "task": t["task"],
                "mpjpe_torso": round(t["mpjpe_torso"], 4),
                "no_depth_mpjpe_torso": round(t["no_depth_mpjpe_torso"], 4),
                "measured_on": t["measured_on"],
                "rows": t["rows"],
                "best_epoch": t["best_epoch"],
                "clips": t["clips"],
                "subjects": t["subjects"],
                "train_seconds": round(t["seconds"], 1),
                "device": t["device"],
            }
        )
    )
    return 0
