import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # synthetic.py


@pytest.fixture(scope="session")
def pose2sim_calibration() -> Path:
    from har_ros.assets import AssetError, asset_path

    try:
        return asset_path("pose2sim_calib.qca.txt")
    except AssetError as exc:
        pytest.skip(f"Pose2Sim calibration not cached: {exc}")
