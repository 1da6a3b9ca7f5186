"""Action-aware rules: what the recognised action says about how a person may move.

Each action names an assumed human speed (m/s, ISO 13855 uses 1.6 walking and
2.0 for arm reach), an extra margin (m) and a cap on the speed scale. An
unknown or low-confidence action gets the most conservative combination of
all rules, so a misrecognition can only make the robot slower.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONSERVATIVE = "conservative"


@dataclass(frozen=True)
class ActionRule:
    name: str
    human_speed: float  # m/s
    extra_margin: float = 0.0  # m, added to the protective distance
    max_scale: float = 1.0  # cap on the speed scale while this action goes on

    def __post_init__(self) -> None:
        if not self.human_speed >= 0:
            raise ValueError(f"rule {self.name!r}: human_speed must be >= 0 m/s")
        if not self.extra_margin >= 0:
            raise ValueError(f"rule {self.name!r}: extra_margin must be >= 0 m")
        if not 0.0 <= self.max_scale <= 1.0:
            raise ValueError(f"rule {self.name!r}: max_scale must be in [0, 1]")


@dataclass(frozen=True)
class RuleSet:
    rules: dict[str, ActionRule]
    min_confidence: float = 0.5

    def __post_init__(self) -> None:
        if not self.rules:
            raise ValueError("at least one action rule is needed")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError("min_confidence must be in [0, 1]")

    @property
    def conservative(self) -> ActionRule:
        """The most restrictive value of every field over all rules."""
        values = self.rules.values()
        return ActionRule(
            CONSERVATIVE,
            max(r.human_speed for r in values),
            max(r.extra_margin for r in values),
            min(r.max_scale for r in values),
        )

    def for_action(self, label: str | None, confidence: float = 1.0) -> ActionRule:
        """The rule of ``label``; the conservative one when unknown, missing or unsure."""
        if label is None or confidence < self.min_confidence or label not in self.rules:
            return self.conservative
        return self.rules[label]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuleSet:
        try:
            rules = {name: ActionRule(name, **fields) for name, fields in data["rules"].items()}
            return cls(rules, float(data.get("min_confidence", 0.5)))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"malformed action rules: {exc!r}; expected "
                "{min_confidence: x, rules: {action: {human_speed: ...}}}"
            ) from exc

    @classmethod
    def from_yaml(cls, path: str | Path) -> RuleSet:
        try:
            data = yaml.safe_load(Path(path).read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"cannot read action rules {path}: {exc}") from exc
        return cls.from_dict(data or {})
