"""`har train`: train an action model on a dataset spec and write one checkpoint file."""

from __future__ import annotations

import argparse
import json

from ..action.models import MODEL_NAMES
from ..action.preprocess import Normalisation
from ..action.train import TrainConfig

DEFAULTS = TrainConfig  # one source of truth: the flags show the config's own defaults


def _features(text: str) -> tuple[str, ...]:
    try:
        return Normalisation(features=tuple(f for f in text.split(",") if f)).features
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True,
                        help="npz:PATH | utd_mhad:DIR | openpose:DIR | bag:PATH")
    parser.add_argument("--model", default=DEFAULTS.model, choices=MODEL_NAMES)
    parser.add_argument("--out", required=True, help="checkpoint file to write (.pt)")
    parser.add_argument("--epochs", type=int, default=DEFAULTS.epochs,
                        help="default: from the dataset's size (about 3000 steps, 60-400)")
    parser.add_argument("--val-fraction", type=float, default=DEFAULTS.val_fraction,
                        help="per-class hold-out for choosing the epoch; default: 0.15 where "
                             "the smallest class has 40 clips, else none (last epoch)")
    parser.add_argument("--features", type=_features, default=DEFAULTS.features,
                        help="input channel groups: position, velocity (in the frame's own "
                             "centre), motion (keeps the body's travel), bone")
    parser.add_argument("--mirror", default=DEFAULTS.mirror, choices=("auto", "on", "off"),
                        help="left/right flips; auto = on unless a class is named by its side")
    parser.add_argument("--window", type=int, default=DEFAULTS.window,
                        help="frames per window")
    parser.add_argument("--stride", type=int, default=DEFAULTS.stride,
                        help="frames between node outputs")
    parser.add_argument("--noise", type=float, default=DEFAULTS.noise,
                        help="training keypoint noise σ, fraction of the torso length")
    parser.add_argument("--no-augment", action="store_true")
    parser.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    parser.add_argument("--lr", type=float, default=DEFAULTS.lr)
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = all cores)")
    parser.add_argument("--model-config", default="{}", help="JSON overrides, e.g. widths")
    parser.add_argument("--split", default="train",
                        help="rows to train on when the data has a split column")
    parser.add_argument("--sampling", default=DEFAULTS.sampling, choices=("resample", "crop"),
                        help="whole clips squeezed into the window, or stream-like crops")
    parser.add_argument("--rate", type=float, default=DEFAULTS.rate_hz,
                        help="model time base in Hz for --sampling crop")
    parser.add_argument("--centre", default=DEFAULTS.centre, choices=("hips", "hips_sequence"),
                        help="centre each frame, or the whole window (keeps walking visible)")
    parser.add_argument("--views", default="", help="only these comma-separated views")
    parser.add_argument("--init", default=DEFAULTS.init, metavar="CKPT",
                        help="start from this checkpoint (its model and settings); another "
                             "class list gets a new head, another layout is converted")
    parser.add_argument("--freeze", default=DEFAULTS.freeze, choices=("none", "backbone"),
                        help="with --init: train only the classifier head")
    parser.add_argument("--contrastive", action="store_true",
                        help="noise-robust contrastive training (clean + noised view)")
    parser.add_argument("--contrastive-weights", default="0.1,0.1", metavar="INSTANCE,GROUP",
                        help="weights of the instance and the class-wise contrastive terms")
    parser.add_argument("--noise-alpha", type=float, default=0.1,
                        help="fraction of joints/frames perturbed in the noised view")
    parser.add_argument("--early", type=float, default=DEFAULTS.early, metavar="SHARE",
                        help="early recognition (--sampling crop): this share of the windows "
                             "ends at a random frame of the clip, as the node sees an action "
                             "begin; run the node with min_fill = --early-min-fill")
    parser.add_argument("--early-min-fill", type=float, default=DEFAULTS.early_min_fill,
                        help="least share of a window an early window holds")
    parser.add_argument("--rejection", default=DEFAULTS.rejection,
                        choices=("max_softmax", "energy"),
                        help="score the node thresholds for 'unknown'")
    parser.add_argument("--known-rejection", type=float, default=DEFAULTS.known_rejection,
                        help="share of held-out known windows the 'unknown' threshold rejects")
    parser.add_argument("--calibration-fraction", type=float,
                        default=DEFAULTS.calibration_fraction,
                        help="per-class hold-out for temperature and threshold when the data "
                             "has no validation hold-out")


def run(args: argparse.Namespace) -> int:
    import sys

    from ..action.checkpoint import CheckpointError
    from ..action.dataset import DatasetError
    from ..action.train import InitError, SettingsError

    try:
        return _train(args)
    except (DatasetError, CheckpointError, InitError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _contrastive(args: argparse.Namespace) -> dict:
    if not args.contrastive:
        return {}
    try:
        instance, group = (float(v) for v in args.contrastive_weights.split(","))
    except ValueError:
        raise SystemExit("--contrastive-weights must be two numbers: INSTANCE,GROUP") from None
    return {"instance_weight": instance, "group_weight": group, "alpha": args.noise_alpha}


def _train(args: argparse.Namespace) -> int:
    from ..action.loaders import select_views
    from ..action.train import TrainConfig, train
    from .data import load_data

    dataset = load_data(args.data)
    if dataset.split is not None and args.split:
        dataset = dataset.subset(dataset.split != "test") if args.split == "train" else \
            dataset.subset(dataset.split == args.split)
    dataset = select_views(dataset, args.views)
    config = TrainConfig(model=args.model, window=args.window, epochs=args.epochs,
                         batch_size=args.batch_size, lr=args.lr, noise=args.noise,
                         augment=not args.no_augment, seed=args.seed, stride=args.stride,
                         model_config=json.loads(args.model_config),
                         sampling=args.sampling, rate_hz=args.rate, centre=args.centre,
                         init=args.init, freeze=args.freeze, val_fraction=args.val_fraction,
                         mirror=args.mirror, features=args.features,
                         contrastive=_contrastive(args), early=args.early,
                         early_min_fill=args.early_min_fill, rejection=args.rejection,
                         known_rejection=args.known_rejection,
                         calibration_fraction=args.calibration_fraction,
                         **({"threads": args.threads} if args.threads else {}))
    checkpoint, _ = train(dataset, config)
    checkpoint.training["data_spec"] = args.data
    checkpoint.save(args.out)
    t = checkpoint.training
    print(json.dumps({"checkpoint": args.out, "model": checkpoint.model_name,
                      "best_val_acc": t["best_val_acc"], "best_epoch": t["best_epoch"],
                      "train_seconds": round(t["seconds"], 1),
                      "train_sequences": t["train_sequences"],
                      "calibration": checkpoint.calibration.to_dict(), "recipe": t["recipe"]}))
    return 0
