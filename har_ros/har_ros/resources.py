"""Where the installed package keeps its files, found the way an install lays them out.

Files the Python code ships (the model, the rules) are package data next to
the modules; launch files, parameter files and message definitions live in
the ament share directory of their package. Neither lookup ever goes through
the source tree, so a plain ``colcon build`` (no symlinks) or a binary
package finds the same files as a development checkout.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

PACKAGE = "har_ros"


def package_file(*parts: str) -> Path:
    """A file installed inside the ``har_ros`` Python package (package data)."""
    return Path(str(files(PACKAGE).joinpath(*parts)))


def share_file(*parts: str, package: str = PACKAGE) -> Path:
    """A file under ``share/<package>`` of the installed ROS package (ament index)."""
    from ament_index_python.packages import PackageNotFoundError, get_package_share_directory

    try:
        share = get_package_share_directory(package)
    except PackageNotFoundError as exc:
        raise FileNotFoundError(
            f"ROS package {package!r} is not in AMENT_PREFIX_PATH "
            f"({os.environ.get('AMENT_PREFIX_PATH', 'unset')}); build it with colcon and "
            "source its install/setup.bash"
        ) from exc
    return Path(share, *parts)
