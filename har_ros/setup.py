"""ament_python build of har_ros: Python package, launch and config files, entry points."""

from glob import glob

from setuptools import find_packages, setup

PACKAGE = "har_ros"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test", "test.*"]),
    package_data={PACKAGE: ["models/*.pt", "data/*.yaml", "labelling/static/*"]},
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
        (f"share/{PACKAGE}/launch", glob("launch/*.launch.py")),
        (f"share/{PACKAGE}/config", glob("config/*")),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="har_ros maintainers",
    maintainer_email="maintainers@har-ros.invalid",
    description="Human action recognition and speed-and-separation monitoring for robot cells.",
    license="Apache-2.0",
    entry_points={
        "console_scripts": [
            "har = har_ros.cli.main:main",
            "safety_node = har_ros.nodes.entry:safety_node",
            "pose_node = har_ros.nodes.entry:pose_node",
            "action_node = har_ros.nodes.entry:action_node",
            "body_tracker_node = har_ros.nodes.entry:body_tracker_node",
            "video_publisher = har_ros.nodes.entry:video_publisher",
            "speed_guard = har_ros.nodes.entry:speed_guard",
            "har_composed = har_ros.nodes.entry:har_composed",
            "person_fusion = har_ros.nodes.entry:person_fusion",
            "rig_publisher = har_ros.nodes.entry:rig_publisher",
        ],
    },
)
