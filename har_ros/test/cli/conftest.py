import pytest


@pytest.fixture
def pose2sim_calibration_text() -> str:
    """The Pose2Sim demo calibration (.qca.txt) as text; skips when it is not cached."""
    from har_ros.assets import AssetError, asset_path

    try:
        return asset_path("pose2sim_calib.qca.txt").read_text()
    except AssetError as exc:
        pytest.skip(f"Pose2Sim calibration not cached: {exc}")
