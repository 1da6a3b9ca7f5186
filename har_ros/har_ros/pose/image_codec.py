"""sensor_msgs/Image fields <-> numpy arrays (the part of cv_bridge that har_ros needs).

ROS 2's cv_bridge has no PyPI wheel, so this is the small stand-in: rgb8, bgr8,
rgba8, bgra8, mono8, 16UC1 and 32FC1, honouring ``step`` row padding and
``is_bigendian``. Decoding returns a view of the message buffer where the
layout allows (zero-copy) and never a silently wrong shape.
"""

from __future__ import annotations

import sys
from typing import Literal

import numpy as np

# encoding -> (numpy dtype, channels)
ENCODINGS: dict[str, tuple[np.dtype, int]] = {
    "rgb8": (np.dtype(np.uint8), 3),
    "bgr8": (np.dtype(np.uint8), 3),
    "rgba8": (np.dtype(np.uint8), 4),
    "bgra8": (np.dtype(np.uint8), 4),
    "mono8": (np.dtype(np.uint8), 1),
    "8UC1": (np.dtype(np.uint8), 1),
    "16UC1": (np.dtype(np.uint16), 1),
    "mono16": (np.dtype(np.uint16), 1),
    "32FC1": (np.dtype(np.float32), 1),
}


class ImageDecodeError(ValueError):
    """The image message cannot be decoded; the text says why."""


def decode(
    encoding: str, height: int, width: int, step: int, is_bigendian: bool, data
) -> np.ndarray:
    """Array of shape (H, W) or (H, W, C) for the message fields; raises ImageDecodeError."""
    if encoding not in ENCODINGS:
        raise ImageDecodeError(f"unsupported encoding {encoding!r}; supported: {sorted(ENCODINGS)}")
    dtype, channels = ENCODINGS[encoding]
    if height <= 0 or width <= 0:
        raise ImageDecodeError(f"empty image {width}x{height}")
    row_bytes = width * channels * dtype.itemsize
    if step < row_bytes:
        raise ImageDecodeError(f"step {step} < width*channels*bytes = {row_bytes}")
    buffer = memoryview(data).cast("B") if not isinstance(data, np.ndarray) else data
    size = len(buffer) if not isinstance(buffer, np.ndarray) else buffer.nbytes
    if size != step * height:
        raise ImageDecodeError(f"data has {size} bytes, expected step*height = {step * height}")
    byte_order: Literal[">", "<"] = ">" if is_bigendian else "<"
    typed = dtype.newbyteorder(byte_order) if dtype.itemsize > 1 else dtype
    shape = (height, width, channels)
    if step % dtype.itemsize == 0:  # a strided view of the message buffer: no copy
        array = np.ndarray(
            shape,
            dtype=typed,
            buffer=np.frombuffer(buffer, np.uint8),
            strides=(step, channels * dtype.itemsize, dtype.itemsize),
        )
    else:  # rows padded to a step that is not a multiple of the element size
        rows = np.frombuffer(buffer, dtype=np.uint8).reshape(height, step)[:, :row_bytes]
        array = np.ascontiguousarray(rows).view(typed).reshape(shape)
    if array.dtype.byteorder not in ("=", "|") and (
        (array.dtype.byteorder == ">") != (sys.byteorder == "big")
    ):
        array = array.astype(dtype)  # to native byte order
    return array[:, :, 0] if channels == 1 else array


def to_rgb(encoding: str, image: np.ndarray) -> np.ndarray:
    """An 8-bit RGB view or copy of a colour/mono image, for the pose backends."""
    import cv2

    conversions = {
        "rgb8": None,
        "bgr8": cv2.COLOR_BGR2RGB,
        "rgba8": cv2.COLOR_RGBA2RGB,
        "bgra8": cv2.COLOR_BGRA2RGB,
        "mono8": cv2.COLOR_GRAY2RGB,
        "8UC1": cv2.COLOR_GRAY2RGB,
    }
    if encoding not in conversions:
        raise ImageDecodeError(f"{encoding!r} is not a colour image encoding")
    code = conversions[encoding]
    return image if code is None else cv2.cvtColor(image, code)


#: Largest compressed frame decoded (pixels): 8K UHD. A 1 kB jpeg or png may claim
#: 65535 x 65535 pixels, which the decoder would allocate before it found out.
MAX_DECODED_PIXELS = 7680 * 4320
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def compressed_size(buffer: np.ndarray) -> tuple[int, int] | None:
    """(width, height) that a png or jpeg header claims, read without decoding; None if unread.

    OpenCV's own cap (``OPENCV_IO_MAX_IMAGE_PIXELS``) is read once when cv2
    loads, so a node cannot set it; the headers are simple enough to peek at.
    """
    data = buffer.tobytes()[:65536]
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] != b"\xff\xd8":
        return None
    k = 2
    while k + 9 <= len(data):
        if data[k] != 0xFF:
            return None
        marker = data[k + 1]
        if marker == 0xFF:  # fill byte
            k += 1
            continue
        if marker in _JPEG_SOF:
            return (
                int.from_bytes(data[k + 7 : k + 9], "big"),
                int.from_bytes(data[k + 5 : k + 7], "big"),
            )
        k += 2 + int.from_bytes(data[k + 2 : k + 4], "big")
    return None


def decode_compressed(fmt: str, data) -> np.ndarray:
    """RGB array of a sensor_msgs/CompressedImage (jpeg or png); raises ImageDecodeError.

    ``fmt`` is the message's format field: ``jpeg``/``png`` or image_transport's
    ``"<encoding>; jpeg compressed bgr8"`` form. Depth codecs (compressedDepth)
    are refused by name rather than decoded wrongly.
    """
    import cv2

    codec = fmt.lower()
    if "compresseddepth" in codec:
        raise ImageDecodeError(f"compressed depth ({fmt!r}) is not a colour image")
    if not any(name in codec for name in ("jpeg", "jpg", "png")):
        raise ImageDecodeError(f"unsupported compressed format {fmt!r}; supported: jpeg, png")
    buffer = np.frombuffer(
        memoryview(data).cast("B") if not isinstance(data, np.ndarray) else data, dtype=np.uint8
    )
    if buffer.size == 0:
        raise ImageDecodeError("compressed image has no data")
    size = compressed_size(buffer)
    if size is not None and size[0] * size[1] > MAX_DECODED_PIXELS:
        raise ImageDecodeError(
            f"{fmt!r} claims {size[0]}x{size[1]} pixels, more than {MAX_DECODED_PIXELS:,}"
        )
    try:
        bgr = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    except cv2.error as exc:  # e.g. OpenCV's own size limit
        raise ImageDecodeError(f"{buffer.size} bytes do not decode as {fmt!r}: {exc}") from exc
    if bgr is None:
        raise ImageDecodeError(f"{buffer.size} bytes do not decode as {fmt!r}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def encode(image: np.ndarray, encoding: str) -> tuple[int, int, int, bytes]:
    """(height, width, step, data) of a contiguous little-endian image in ``encoding``."""
    if encoding not in ENCODINGS:
        raise ImageDecodeError(f"unsupported encoding {encoding!r}")
    dtype, channels = ENCODINGS[encoding]
    expected = image.shape[:2] + ((channels,) if channels > 1 else ())
    if image.dtype != dtype or image.shape != expected:
        raise ImageDecodeError(
            f"{encoding} needs dtype {dtype} and shape {expected}, got {image.dtype} {image.shape}"
        )
    image = np.ascontiguousarray(image, dtype=dtype.newbyteorder("<"))
    height, width = image.shape[:2]
    return height, width, width * channels * dtype.itemsize, image.tobytes()
