"""sensor_msgs/Image <-> numpy through the project's codec (the cv_bridge stand-in)."""

from __future__ import annotations

import math

import numpy as np
from sensor_msgs.msg import CameraInfo, CompressedImage, Image
from std_msgs.msg import Header

from ..pose.image_codec import decode, decode_compressed, encode, to_rgb


def image_to_array(msg: Image) -> np.ndarray:
    """Decode an Image message; raises ImageDecodeError for a malformed one."""
    return decode(msg.encoding, msg.height, msg.width, msg.step, bool(msg.is_bigendian), msg.data)


def image_to_rgb(msg: Image | CompressedImage) -> np.ndarray:
    """8-bit RGB pixels of a raw or compressed colour image; raises ImageDecodeError."""
    if isinstance(msg, CompressedImage):
        return decode_compressed(msg.format, msg.data)
    return to_rgb(msg.encoding, image_to_array(msg))


def array_to_image(array: np.ndarray, encoding: str, header: Header) -> Image:
    height, width, step, data = encode(array, encoding)
    return Image(
        header=header,
        height=height,
        width=width,
        encoding=encoding,
        is_bigendian=0,
        step=step,
        data=data,
    )


def pinhole_camera_info(header: Header, width: int, height: int, fov_deg: float) -> CameraInfo:
    """Pinhole CameraInfo with focal length from the horizontal field of view."""
    f = (width / 2.0) / math.tan(math.radians(fov_deg) / 2.0)
    cx, cy = width / 2.0, height / 2.0
    return CameraInfo(
        header=header,
        width=width,
        height=height,
        distortion_model="plumb_bob",
        d=[0.0] * 5,
        k=[f, 0.0, cx, 0.0, f, cy, 0.0, 0.0, 1.0],
        r=[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        p=[f, 0.0, cx, 0.0, 0.0, f, cy, 0.0, 0.0, 0.0, 1.0, 0.0],
    )
