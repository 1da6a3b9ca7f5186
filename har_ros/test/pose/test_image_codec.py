"""Image decoding against known arrays, padding, byte order, and clear errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from har_ros.pose.image_codec import (
    ENCODINGS,
    ImageDecodeError,
    compressed_size,
    decode,
    decode_compressed,
    encode,
    to_rgb,
)


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_round_trip_every_encoding(encoding):
    dtype, channels = ENCODINGS[encoding]
    shape = (5, 7) + ((channels,) if channels > 1 else ())
    image = (np.arange(np.prod(shape)) % 250).astype(dtype).reshape(shape)
    height, width, step, data = encode(image, encoding)
    np.testing.assert_array_equal(decode(encoding, height, width, step, False, data), image)


def test_row_padding_is_skipped_and_the_result_is_a_view():
    image = np.arange(4 * 3 * 3, dtype=np.uint8).reshape(4, 3, 3)
    padded = np.zeros((4, 16), np.uint8)
    padded[:, :9] = image.reshape(4, 9)
    out = decode("rgb8", 4, 3, 16, False, padded.tobytes())
    np.testing.assert_array_equal(out, image)
    data = bytearray(padded.tobytes())
    view = decode("rgb8", 4, 3, 16, False, data)
    data[0] = 99
    assert view[0, 0, 0] == 99  # zero-copy


def test_big_endian_16bit_depth():
    depth = np.array([[1000, 2], [65535, 256]], dtype=np.uint16)
    out = decode("16UC1", 2, 2, 4, True, depth.astype(">u2").tobytes())
    np.testing.assert_array_equal(out, depth)
    assert out.dtype == np.uint16


def test_float_depth_with_odd_padding():
    depth = np.array([[1.5, np.nan], [0.25, 3.0]], dtype=np.float32)
    rows = [depth[i].tobytes() + b"\x00" * 3 for i in range(2)]  # step 11: not a multiple of 4
    out = decode("32FC1", 2, 2, 11, False, b"".join(rows))
    np.testing.assert_array_equal(out, depth)


def test_bgr_becomes_rgb():
    bgr = np.zeros((2, 2, 3), np.uint8)
    bgr[..., 0] = 255  # blue
    assert to_rgb("bgr8", bgr)[0, 0].tolist() == [0, 0, 255]


@pytest.mark.parametrize(
    "args, match",
    [
        (("yuv422", 2, 2, 4, False, b"\x00" * 8), "unsupported encoding"),
        (("rgb8", 2, 2, 5, False, b"\x00" * 10), "step 5 <"),
        (("rgb8", 2, 2, 6, False, b"\x00" * 11), "expected step\\*height = 12"),
        (("mono8", 0, 2, 2, False, b""), "empty image"),
    ],
)
def test_bad_messages_give_clear_errors(args, match):
    with pytest.raises(ImageDecodeError, match=match):
        decode(*args)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(ENCODINGS)),
    st.integers(-2, 9),
    st.integers(-2, 9),
    st.integers(0, 64),
    st.booleans(),
    st.binary(max_size=600),
)
def test_fuzz_only_documented_errors_and_right_shapes(encoding, h, w, step, big, data):
    try:
        out = decode(encoding, h, w, step, big, data)
    except ImageDecodeError:
        return
    dtype, channels = ENCODINGS[encoding]
    assert out.shape == ((h, w) if channels == 1 else (h, w, channels))
    assert out.dtype == dtype


def demo_frame() -> np.ndarray:
    """A real frame of the demo video (RGB), or a skip when the asset is not cached."""
    import cv2

    from har_ros.assets import AssetError, asset_path

    try:
        capture = cv2.VideoCapture(str(asset_path("sports2d_demo.mp4")))
    except AssetError as exc:
        pytest.skip(str(exc))
    ok, bgr = capture.read()
    assert ok
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@pytest.mark.parametrize(
    ("fmt", "extension", "tolerance"),
    [("jpeg", ".jpg", 12.0), ("png", ".png", 0.0), ("rgb8; jpeg compressed bgr8", ".jpg", 12.0)],
)
def test_compressed_frames_of_the_demo_video_decode(fmt, extension, tolerance):
    import cv2

    rgb = demo_frame()
    ok, data = cv2.imencode(extension, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    decoded = decode_compressed(fmt, data.tobytes())
    assert decoded.shape == rgb.shape and decoded.dtype == np.uint8
    assert np.abs(decoded.astype(float) - rgb).mean() <= tolerance


@pytest.mark.parametrize(
    ("fmt", "data", "reason"),
    [
        ("jpeg", b"", "no data"),
        ("jpeg", b"\xff\xd8\xff\xe0 not really a jpeg", "do not decode"),
        ("png", bytes(range(256)) * 4, "do not decode"),
        ("tiff", b"II*\x00", "unsupported compressed format"),
        ("16UC1; compressedDepth png", b"\x89PNG", "compressed depth"),
    ],
)
def test_corrupt_or_unsupported_compressed_images_are_refused(fmt, data, reason):
    with pytest.raises(ImageDecodeError, match=reason):
        decode_compressed(fmt, data)


def _claiming(kind: str, width: int, height: int) -> np.ndarray:
    """A small real image whose header is rewritten to claim ``width`` x ``height``."""
    import cv2

    data = bytearray(cv2.imencode(f".{kind}", np.zeros((8, 8, 3), np.uint8))[1].tobytes())
    if kind == "png":
        data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    else:
        k = next(i for i in range(2, len(data) - 1) if data[i] == 0xFF and data[i + 1] == 0xC0)
        data[k + 5 : k + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return np.frombuffer(bytes(data), np.uint8)


@pytest.mark.parametrize("kind", ["png", "jpg"])
def test_a_frame_claiming_huge_dimensions_is_refused_before_decoding(kind):
    """Found and fixed: cv2.imdecode had no pixel cap (a 1 kB file may claim 4 G pixels)."""
    assert compressed_size(_claiming(kind, 640, 480)) == (640, 480)
    with pytest.raises(ImageDecodeError, match="65000x65000 pixels"):
        decode_compressed("jpeg" if kind == "jpg" else "png", _claiming(kind, 65000, 65000))
    assert decode_compressed("png", _claiming("png", 8, 8)).shape == (8, 8, 3)
