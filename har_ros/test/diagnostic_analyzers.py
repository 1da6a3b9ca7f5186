"""How diagnostic_aggregator's GenericAnalyzer picks its statuses, to check our analyzers YAML.

The aggregator is C++ and not built here; its GenericAnalyzer takes a status
whose name contains one of ``contains``, starts with one of ``startswith``,
equals one of ``name`` or matches one of ``regex`` (re.search). This is only
that matching rule, for the tests.
"""

from __future__ import annotations

import re

import yaml

from har_ros.resources import share_file

MATCH_KEYS = ("contains", "startswith", "name", "regex")


def shipped_analyzers() -> dict[str, dict]:
    """The analyzers of the installed config/diagnostic_aggregator.yaml, by their key."""
    params = yaml.safe_load(share_file("config", "diagnostic_aggregator.yaml").read_text())
    return {
        key: value
        for key, value in params["analyzers"]["ros__parameters"].items()
        if isinstance(value, dict)
    }


def takes(analyzer: dict, status_name: str) -> bool:
    return (
        any(v in status_name for v in analyzer.get("contains", []))
        or any(status_name.startswith(v) for v in analyzer.get("startswith", []))
        or status_name in analyzer.get("name", [])
        or any(re.search(v, status_name) for v in analyzer.get("regex", []))
    )


def analyzers_taking(status_name: str) -> list[str]:
    return [key for key, analyzer in shipped_analyzers().items() if takes(analyzer, status_name)]
