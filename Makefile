# har_ros: `make test` and `make demo` set everything up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

VENV_STAMP   := .venv/.har-requirements.stamp
BUILD_STAMP  := install/.har-build.stamp
ASSETS_STAMP := .venv/.har-assets.stamp
# The real ROS 2 tools (ros2 CLI, launch, launch_testing, tf2_ros, message_filters,
# control_msgs) build from ../shared/ros2_extras when it exists; absent = stand-ins.
EXTRAS_SRC   ?= $(abspath ../shared/ros2_extras)
EXTRAS_DIR   := .ros2_extras
IN_ENV       := source ./env.sh &&
PKG_SOURCES  := $(shell find har_msgs har_ros/setup.py har_ros/setup.cfg har_ros/package.xml \
                  har_ros/launch har_ros/config har_ros/resource -type f 2>/dev/null)

.PHONY: help setup build extras assets browser test lint typecheck demo bench yolo clean

help:
	@echo "make setup  - venv with ROS 2 Kilted wheels + deps, colcon build, cached assets"
	@echo "make test   - setup if needed, then ruff (lint, format), mypy and the whole pytest suite"
	@echo "make demo   - setup if needed, then the end-to-end demo on a real video"
	@echo "make bench  - setup if needed, then 'har bench all'"
	@echo "make yolo   - opt-in YOLO-pose backend (onnxruntime + ONNX export; AGPL-3.0 weights)"
	@echo "make clean  - remove build outputs (keeps .venv and the asset cache)"

setup: $(VENV_STAMP) $(BUILD_STAMP) extras $(ASSETS_STAMP) browser

$(VENV_STAMP): requirements.txt tools/setup_venv.sh
	bash tools/setup_venv.sh
	touch $@

$(BUILD_STAMP): $(VENV_STAMP) $(PKG_SOURCES)
	$(IN_ENV) colcon build --base-paths har_msgs har_ros --symlink-install \
	  --event-handlers console_cohesion- \
	  --cmake-args -DBUILD_TESTING=OFF -DPython3_EXECUTABLE=$(CURDIR)/.venv/bin/python
	touch $@

$(ASSETS_STAMP): $(VENV_STAMP) har_ros/har_ros/assets.py
	PYTHONPATH=har_ros .venv/bin/python -m har_ros.assets fetch
	touch $@

build: $(BUILD_STAMP)

# build.sh skips the build when sources and Python are unchanged (a few seconds).
extras: $(VENV_STAMP)
	@if [ -x "$(EXTRAS_SRC)/build.sh" ]; then \
	  mkdir -p $(EXTRAS_DIR) && touch $(EXTRAS_DIR)/COLCON_IGNORE && \
	  $(IN_ENV) "$(EXTRAS_SRC)/build.sh" $(EXTRAS_DIR); \
	else \
	  echo "$(EXTRAS_SRC) absent: no ros2 CLI/launch/tf2_ros here; tests needing them skip"; \
	fi
assets: $(ASSETS_STAMP)

# Debian's chromium + chromedriver for the labelling page's browser tests (skip without).
browser:
	@bash tools/setup_browser.sh

lint: $(VENV_STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# mypy (pyproject.toml): strict packages stay clean, the others may only improve
typecheck: $(VENV_STAMP)
	.venv/bin/python tools/typecheck.py

test: setup lint typecheck
	$(IN_ENV) python -P -m pytest

demo: setup
	$(IN_ENV) har demo && har demo --cell

bench: setup
	$(IN_ENV) har bench all

yolo: setup
	bash tools/export_yolo.sh

clean:
	rm -rf build install log $(EXTRAS_DIR)
