"""sensor_msgs/Image <-> numpy through the project's codec (the cv_bridge stand-in)."""

from __future__ import annotations

import numpy as np
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header

from ..pose.image_codec import decode, decode_compressed, encode, to_rgb


def image_to_array(msg: Image) -> np.ndarray:
    """Decode an Image message; raises ImageDecodeError for a malformed one."""
    return decode(msg.encoding, msg.height, msg.width, msg.step, bool(msg.is_bigendian),
                  msg.data)


def image_to_rgb(msg: Image | CompressedImage) -> np.ndarray:
    """8-bit RGB pixels of a raw or compressed colour image; raises ImageDecodeError."""
    if isinstance(msg, CompressedImage):
        return decode_compressed(msg.format, msg.data)
    return to_rgb(msg.encoding, image_to_array(msg))


def array_to_image(array: np.ndarray, encoding: str, header: Header) -> Image:
    height, width, step, data = encode(array, encoding)
    return Image(header=header, height=height, width=width, encoding=encoding,
                 is_bigendian=0, step=step, data=data)
