"""Confidences that mean what they say, and a score that says "not an action I know".

Fitted on held-out windows after training and stored in the checkpoint:

- a temperature T (logits / T before the softmax), chosen by the held-out
  negative log-likelihood, so that of the windows given confidence 0.8,
  about 80 % are right (expected calibration error, ECE, measures the gap);
- a rejection score, higher for inputs like the training data: the maximum
  calibrated probability (``max_softmax``) or the free energy
  ``T * logsumexp(logits / T)`` (``energy``), and its threshold: the
  ``known_rejection`` quantile of the held-out known windows' scores, so
  about that share of known actions is called ``unknown``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

SCORES = ("max_softmax", "energy")
TEMPERATURE_RANGE = (0.05, 20.0)
# Fewer misclassified held-out windows than this and the likelihood keeps falling as the
# temperature goes to 0 (every window right: "be certain"): the temperature stays 1.
MIN_ERRORS_TO_FIT = 5


@dataclass(frozen=True)
class Calibration:
    temperature: float = 1.0
    score: str = "max_softmax"
    threshold: float = 0.0  # rejection score under which a window is "unknown"
    known_rejection: float = 0.0  # share of held-out known windows under the threshold
    fitted_on: int = 0  # held-out windows; 0 = not fitted
    held_out_errors: int = 0  # misclassified among them (< MIN_ERRORS_TO_FIT: temperature 1)
    ece_before: float = float("nan")
    ece_after: float = float("nan")

    def __post_init__(self) -> None:
        """Only values ``fit`` can produce.

        A crafted one is refused: T = 1e-310 made every confidence NaN, T = 1e300
        an energy score that never rejects.
        """
        if self.score not in SCORES:
            raise ValueError(f"rejection score must be one of {SCORES}, got {self.score!r}")
        low, high = TEMPERATURE_RANGE
        if not low <= self.temperature <= high:
            raise ValueError(
                f"temperature must be in [{low}, {high}] (the range it is "
                f"fitted in), got {self.temperature}"
            )
        if not np.isfinite(self.threshold):
            raise ValueError(f"rejection threshold must be finite, got {self.threshold}")
        if self.score == "max_softmax" and not 0.0 <= self.threshold <= 1.0:
            raise ValueError(
                f"rejection threshold must be in [0, 1] for max_softmax (a "
                f"probability), got {self.threshold}"
            )
        if not 0.0 <= self.known_rejection <= 1.0:
            raise ValueError(f"known_rejection must be in [0, 1], got {self.known_rejection}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        fields = cls.__dataclass_fields__
        integers = ("fitted_on", "held_out_errors")
        return cls(
            **{
                k: (str(v) if k == "score" else int(v) if k in integers else float(v))
                for k, v in data.items()
                if k in fields
            }
        )

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        return softmax(_scaled(logits, self.temperature))

    def known_score(self, logits: np.ndarray) -> np.ndarray:
        return known_score(logits, self.temperature, self.score)


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _scaled(logits: np.ndarray, temperature: float) -> np.ndarray:
    """``logits / T`` in float64, infinities clipped to the largest finite values.

    float32 logits over a small T overflow to inf, and inf - inf is NaN: a NaN
    confidence that no threshold calls unknown.
    """
    z = np.asarray(logits, np.float64) / temperature
    big = np.finfo(np.float64).max
    return np.clip(z, -big, big)


def known_score(logits: np.ndarray, temperature: float, kind: str) -> np.ndarray:
    """Per row: higher = more like the training data."""
    if kind == "max_softmax":
        return softmax(_scaled(logits, temperature)).max(axis=-1)
    if kind == "energy":
        z = _scaled(logits, temperature)
        top = z.max(axis=-1)
        return temperature * (top + np.log(np.exp(z - top[..., None]).sum(axis=-1)))
    raise ValueError(f"rejection score must be one of {SCORES}, got {kind!r}")


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The T minimising the negative log-likelihood of ``softmax(logits / T)``."""
    x = torch.from_numpy(np.asarray(logits, np.float64))
    y = torch.from_numpy(np.asarray(labels, np.int64))
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([log_t], lr=0.5, max_iter=100)

    def closure():
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(x / log_t.exp(), y)
        loss.backward()
        return loss

    optimiser.step(closure)
    return float(np.clip(np.exp(log_t.item()), *TEMPERATURE_RANGE))


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, bins: int = 15
) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by count."""
    table = reliability_table(confidence, correct, bins)
    total = sum(row["count"] for row in table)
    if not total:
        return float("nan")
    return float(
        sum(
            row["count"] * abs(row["accuracy"] - row["confidence"]) for row in table if row["count"]
        )
        / total
    )


def reliability_table(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> list[dict]:
    """Per confidence bin: its range, count, mean confidence and accuracy."""
    confidence = np.asarray(confidence, float)
    correct = np.asarray(correct, bool)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        count = int(inside.sum())
        rows.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "count": count,
                "confidence": float(confidence[inside].mean()) if count else 0.0,
                "accuracy": float(correct[inside].mean()) if count else 0.0,
            }
        )
    return rows


def confidence_and_correct(
    probabilities: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    return probabilities.max(axis=1), probabilities.argmax(axis=1) == labels


def auroc(known: np.ndarray, outside: np.ndarray) -> float:
    """Probability that a known input scores above an outside one (ties count half).

    The Mann-Whitney U statistic of the known scores over the pair count.
    """
    from scipy.stats import mannwhitneyu

    known, outside = np.asarray(known, float), np.asarray(outside, float)
    if not len(known) or not len(outside):
        return float("nan")
    return float(mannwhitneyu(known, outside).statistic / (len(known) * len(outside)))


def fit(
    logits: np.ndarray,
    labels: np.ndarray,
    score: str = "max_softmax",
    known_rejection: float = 0.05,
) -> Calibration:
    """Temperature and rejection threshold from held-out known windows."""
    if not 0.0 <= known_rejection < 1.0:
        raise ValueError(f"known_rejection must be in [0, 1), got {known_rejection}")
    if len(labels) == 0:
        return Calibration(score=score)
    errors = int(np.sum(logits.argmax(axis=1) != labels))
    temperature = fit_temperature(logits, labels) if errors >= MIN_ERRORS_TO_FIT else 1.0
    scores = known_score(logits, temperature, score)
    threshold = (
        float(np.quantile(scores, known_rejection))
        if known_rejection > 0
        else float(scores.min()) - 1e-6
    )
    return Calibration(
        temperature=temperature,
        score=score,
        threshold=threshold,
        known_rejection=float(np.mean(scores < threshold)),
        fitted_on=len(labels),
        held_out_errors=errors,
        ece_before=expected_calibration_error(*confidence_and_correct(softmax(logits), labels)),
        ece_after=expected_calibration_error(
            *confidence_and_correct(softmax(logits / temperature), labels)
        ),
    )
