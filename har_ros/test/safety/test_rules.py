"""Action rules: lookup, the conservative fallback, YAML loading."""

import pytest

from har_ros.safety.rules import CONSERVATIVE, ActionRule, RuleSet

RULES = RuleSet(
    {
        "waiting": ActionRule("waiting", 0.3, 0.0, 1.0),
        "opening_door": ActionRule("opening_door", 2.0, 0.3, 0.5),
        "changing_side": ActionRule("changing_side", 1.6, 0.1, 0.8),
    },
    min_confidence=0.6,
)


def test_known_confident_action_gets_its_rule():
    assert RULES.for_action("waiting", 0.9).human_speed == 0.3


@pytest.mark.parametrize(
    "label, confidence", [(None, 1.0), ("unknown", 1.0), ("dancing", 0.99), ("waiting", 0.59)]
)
def test_unknown_or_unsure_gets_the_most_conservative_rule(label, confidence):
    rule = RULES.for_action(label, confidence)
    assert rule.name == CONSERVATIVE
    assert (rule.human_speed, rule.extra_margin, rule.max_scale) == (2.0, 0.3, 0.5)


def test_shipped_rules_file_loads(tmp_path):
    from pathlib import Path

    shipped = Path(__file__).resolve().parents[2] / "har_ros" / "data" / "safety_rules.yaml"
    rules = RuleSet.from_yaml(shipped)
    assert {
        "waiting",
        "opening_door",
        "closing_door",
        "extracting_drawers_and_shelves",
        "changing_side",
    } <= set(rules.rules)


@pytest.mark.parametrize(
    "text, match",
    [
        ("rules: {waiting: {human_speed: -1}}", "human_speed"),
        ("rules: {waiting: {human_speed: 1, max_scale: 2}}", "max_scale"),
        ("rules: {waiting: {speed: 1}}", "malformed"),
        ("rules: {}", "at least one"),
        ("rules: [1, 2", "cannot read"),
    ],
)
def test_bad_rule_files_are_rejected_with_the_reason(tmp_path, text, match):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        RuleSet.from_yaml(path)
