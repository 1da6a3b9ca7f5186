"""Figures of an online evaluation: truth vs prediction per person, onset delays, reliability."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .recognizer import UNKNOWN


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_online_plots(
    report: dict, timeline: dict[int, dict], out: Path, max_seconds: float = 120.0
) -> list[Path]:
    """timeline.png (first ``max_seconds`` of each person), onset_delay.png, reliability.png."""
    plt = _pyplot()
    out.mkdir(parents=True, exist_ok=True)
    labels = sorted(
        {lab for t in timeline.values() for *_, lab in t["truth"]}
        | {lab for t in timeline.values() for _, lab in t["outputs"]}
    )
    colours = {lab: plt.cm.tab20(i % 20) for i, lab in enumerate(labels)}
    colours[UNKNOWN] = (0.2, 0.2, 0.2, 1.0)
    tracks = sorted(timeline)
    origin = min((iv[0] for t in timeline.values() for iv in t["truth"]), default=0.0)
    fig, ax = plt.subplots(figsize=(12, 1.0 + 0.8 * len(tracks)))
    for row, track in enumerate(tracks):
        for start, end, label in timeline[track]["truth"]:
            if start - origin < max_seconds:
                ax.barh(
                    2 * row + 1, end - start, left=start - origin, height=0.8, color=colours[label]
                )
        outputs = timeline[track]["outputs"]
        ends = [t for t, _ in outputs[1:]] + [outputs[-1][0] + 0.2] if outputs else []
        for (t, label), end in zip(outputs, ends, strict=True):
            if t - origin < max_seconds:
                ax.barh(2 * row, end - t, left=t - origin, height=0.8, color=colours[label])
    ax.set_yticks(
        [v for r in range(len(tracks)) for v in (2 * r, 2 * r + 1)],
        [f"#{t} {kind}" for t in tracks for kind in ("predicted", "truth")],
        fontsize=7,
    )
    ax.set_xlim(0, max_seconds)
    ax.set_xlabel("s")
    shown = list(dict.fromkeys([*labels, UNKNOWN]))
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[lab]) for lab in shown]
    ax.legend(
        handles,
        [lab[:24] for lab in shown],
        fontsize=6,
        ncol=4,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.25),
    )
    ax.set_title(
        f"per-frame accuracy {report['per_frame_accuracy']:.3f}, onset delay median "
        f"{report['onset_delay_s']['median']:.2f} s"
    )
    fig.tight_layout()
    written = [out / "timeline.png"]
    fig.savefig(written[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.5))
    delays = np.asarray(report["onset_delays"])
    ax.hist(delays, bins=np.arange(0, max(2.5, delays.max() if len(delays) else 0) + 0.1, 0.1))
    ax.axvline(0.5, color="red", linestyle="--", label="goal 0.5 s")
    ax.set_xlabel("onset delay (s)")
    ax.set_ylabel("actions")
    ax.set_title(f"{len(delays)} actions named, {report['missed_actions']} never")
    ax.legend()
    fig.tight_layout()
    written.append(out / "onset_delay.png")
    fig.savefig(written[-1], dpi=110)
    plt.close(fig)
    written.append(
        write_reliability(
            report["reliability"],
            out / "reliability.png",
            f"online outputs: ECE {report['ece']:.3f}",
        )
    )
    return written


def write_reliability(table: list[dict], path: Path, title: str) -> Path:
    """Accuracy against confidence per bin (a calibrated model lies on the diagonal)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    used = [row for row in table if row["count"]]
    centres = [(row["low"] + row["high"]) / 2 for row in used]
    width = table[0]["high"] - table[0]["low"] if table else 0.1
    ax.bar(centres, [row["accuracy"] for row in used], width=width * 0.9, label="accuracy")
    ax.plot([0, 1], [0, 1], "k--", label="calibrated")
    ax.plot(
        [row["confidence"] for row in used],
        [row["accuracy"] for row in used],
        "o",
        color="orange",
        label="mean confidence",
    )
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
