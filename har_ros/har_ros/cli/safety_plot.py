"""`har safety-plot`: speed scale vs separation for every action rule (PNG)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..safety.node_config import SafetyNodeConfig
from ..safety.rules import RuleSet
from ..safety.ssm import protective_distance, speed_scale


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", default="", help="rules YAML (default: the shipped rules)")
    parser.add_argument("--out", default="docs/safety_scale_vs_separation.png")
    parser.add_argument("--max-distance", type=float, default=4.0, help="metres")


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    config = SafetyNodeConfig(rules_file=args.rules)
    ssm = config.policy_config().ssm
    rules: RuleSet = config.rules()
    separations = np.linspace(0.0, args.max_distance, 400)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for rule in [*rules.rules.values(), rules.conservative]:
        scales = [
            min(speed_scale(d, rule.human_speed, ssm, rule.extra_margin), rule.max_scale)
            for d in separations
        ]
        stop = protective_distance(0.0, rule.human_speed, ssm, rule.extra_margin)
        style = "--" if rule.name == "conservative" else "-"
        ax.plot(
            separations,
            scales,
            style,
            label=f"{rule.name} (v_h {rule.human_speed} m/s, stop < {stop:.2f} m)",
        )
    ax.set_xlabel("separation from the robot zone [m]")
    ax.set_ylabel("speed scale")
    ax.set_title(
        f"ISO/TS 15066 SSM: T_r={ssm.reaction_time} s, a={ssm.braking_deceleration} "
        f"m/s², v_nom={ssm.nominal_speed} m/s"
    )
    ax.set_ylim(-0.02, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0
