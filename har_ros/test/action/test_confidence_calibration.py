"""Temperature scaling, ECE, AUROC and the rejection threshold, on data with a known answer."""

import numpy as np
import pytest

from har_ros.action.calibration import (
    Calibration,
    auroc,
    confidence_and_correct,
    expected_calibration_error,
    fit,
    fit_temperature,
    known_score,
    softmax,
)


def calibrated_logits(n: int, classes: int, temperature: float, seed: int = 0):
    """Logits whose labels are drawn from softmax(logits / temperature)."""
    rng = np.random.default_rng(seed)
    true_logits = rng.normal(0.0, 2.0, (n, classes))
    probs = softmax(true_logits)
    labels = np.array([rng.choice(classes, p=p) for p in probs])
    return true_logits * temperature, labels


@pytest.mark.parametrize("temperature", [0.5, 2.5])
def test_the_fitted_temperature_undoes_a_known_scaling(temperature):
    logits, labels = calibrated_logits(4000, 5, temperature)
    assert fit_temperature(logits, labels) == pytest.approx(temperature, rel=0.1)


def test_ece_is_small_for_calibrated_and_large_for_overconfident_outputs():
    logits, labels = calibrated_logits(4000, 5, 1.0, seed=1)
    calibrated = expected_calibration_error(*confidence_and_correct(softmax(logits), labels))
    overconfident = expected_calibration_error(*confidence_and_correct(softmax(logits * 4), labels))
    assert calibrated < 0.03 < 0.15 < overconfident


def test_auroc_matches_its_definition_and_handles_ties():
    known, outside = np.array([0.9, 0.8, 0.3]), np.array([0.5, 0.1])
    pairs = [(k > o) + 0.5 * (k == o) for k in known for o in outside]
    assert auroc(known, outside) == pytest.approx(np.mean(pairs))
    assert auroc(np.array([1.0, 1.0]), np.array([1.0])) == pytest.approx(0.5)
    assert np.isnan(auroc(np.array([1.0]), np.array([])))


def test_the_threshold_rejects_the_asked_share_of_held_out_known_windows():
    logits, labels = calibrated_logits(2000, 4, 1.7, seed=2)
    for score in ("max_softmax", "energy"):
        cal = fit(logits, labels, score, known_rejection=0.1)
        scores = known_score(logits, cal.temperature, score)
        assert np.mean(scores < cal.threshold) == pytest.approx(0.1, abs=0.01)
        assert cal.fitted_on == 2000 and cal.ece_after <= cal.ece_before + 0.01


def test_energy_is_higher_for_confident_logits():
    sharp, flat = np.array([[8.0, 0.0, 0.0]]), np.array([[0.1, 0.0, 0.0]])
    assert known_score(sharp, 1.0, "energy")[0] > known_score(flat, 1.0, "energy")[0]


def test_calibration_round_trips_and_refuses_bad_values():
    cal = Calibration(temperature=1.3, score="energy", threshold=2.0, fitted_on=9)
    assert Calibration.from_dict(cal.to_dict()) == cal
    with pytest.raises(ValueError, match="rejection score"):
        Calibration(score="entropy")
    with pytest.raises(ValueError, match="temperature"):
        Calibration(temperature=0.0)
    with pytest.raises(ValueError, match="threshold"):
        Calibration(threshold=float("nan"))


def test_a_hold_out_without_errors_keeps_temperature_one():
    """All held-out windows right: the likelihood would send the temperature to 0."""
    logits = np.eye(4)[np.arange(40) % 4] * 3.0
    cal = fit(logits, np.arange(40) % 4)
    assert cal.temperature == 1.0 and cal.held_out_errors == 0
