"""Type-check har_ros with mypy: a clean package stays clean, the others may only improve.

Counts mypy's errors per subpackage of har_ros and compares them with
tools/typecheck_baseline.json. A count above its baseline fails (the new
errors are printed); a count below it asks for the baseline to be lowered,
so the ratchet only turns one way. A package without a baseline must be clean.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tools" / "typecheck_baseline.json"
ERROR = re.compile(r"^har_ros/(?:har_ros/)?(?P<package>\w+)[/.].*: error: ")


def _package(line: str) -> str:
    m = ERROR.match(line)
    return m["package"] if m else "other"


def main() -> int:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "har_ros"],
        cwd=ROOT / "har_ros",
        capture_output=True,
        text=True,
    )
    if result.returncode not in (0, 1):  # 2: mypy itself failed
        print(result.stdout + result.stderr)
        return result.returncode
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    if result.returncode == 1 and not errors:  # mypy missing or broken: not a clean tree
        print(result.stdout + result.stderr or "typecheck: mypy failed and said nothing")
        return 1
    # an error outside a subpackage (or one the pattern misses) counts as package "other"
    counts = Counter(_package(line) for line in errors)
    allowed = json.loads(BASELINE.read_text())
    failed = False
    for package in sorted(set(counts) | set(allowed)):
        found, limit = counts.get(package, 0), allowed.get(package, 0)
        if found > limit:
            failed = True
            print(f"typecheck: {package} has {found} mypy errors, at most {limit} allowed:")
            print("\n".join(e for e in errors if _package(e) == package))
        elif found < limit:
            print(
                f"typecheck: {package} is down to {found} errors from {limit}: lower its "
                f"number in {BASELINE.relative_to(ROOT)}"
            )
    if not failed:
        print(f"typecheck: {len(errors)} mypy errors, none above the baseline")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
