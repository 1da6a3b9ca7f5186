"""The demo's timeline: actions per person and the speed scale on one video-time axis."""

from __future__ import annotations

import itertools
from pathlib import Path

from ..safety.policy import SafetyState
from .scene import STATE_RGB


def write_timeline(
    path: Path,
    actions: list[tuple[float, int, str]],
    speed: list[tuple[float, float, int]],
    class_names: list[str],
    title: str = "",
) -> None:
    """``actions``: (t, track, label); ``speed``: (t, scale, state); t = s of video time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(
        2, 1, figsize=(10, 5.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    names = sorted({label for _, _, label in actions} | set(class_names))
    for track in sorted({tr for _, tr, _ in actions}):
        points = [(t, names.index(lab)) for t, tr, lab in actions if tr == track]
        ax1.plot(*zip(*points, strict=True), "o", ms=3, label=f"person {track}")
    ax1.set_yticks(range(len(names)), names, fontsize=7)
    ax1.grid(alpha=0.3)
    if actions:
        ax1.legend(fontsize=7, loc="upper right")
    ax1.set_title(title or "actions and speed over the video")
    if speed:
        ts = [t for t, _, _ in speed]
        ax2.plot(ts, [s for _, s, _ in speed], color="black", lw=1.2)
        for (t0, _, state), (t1, _, _) in itertools.pairwise(speed):
            rgb = STATE_RGB.get(SafetyState(state), (200, 200, 200))
            ax2.axvspan(t0, t1, color=[c / 255 for c in rgb], alpha=0.25, lw=0)
    ax2.set_ylabel("speed scale")
    ax2.set_ylim(-0.05, 1.05)
    ax2.set_xlabel("video time [s] (image stamps)")
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
