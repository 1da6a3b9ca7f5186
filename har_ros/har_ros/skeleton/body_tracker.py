"""Joint markers of a camera that tracks bodies itself -> frames of tracked 3D skeletons.

The Azure Kinect ROS driver (and the Orbbec Femto cameras through the same
K4A wrapper) publishes body tracking on ``body_tracking_data`` as
visualization_msgs/MarkerArray: one marker per joint, ``id = body_id * 100 +
joint`` (the K4ABT SDK's joint order, ``k4abt32``), ``frame_id`` the depth
camera frame, positions in metres, one array per frame. The markers carry no
confidence. Everything here is ROS-free, so the bridge node and the bag
reader group, check and convert markers the same way.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import ArrayLike

from .layouts import K4ABT32, Layout
from .types import Person, PositionSource, SkeletonFrame

# visualization_msgs/Marker actions
ADD, MODIFY, DELETE, DELETEALL = 0, 1, 2, 3

#: What a rejected marker is counted as (the node's diagnostics show these names).
REJECT_REASONS = (
    "id_outside_convention",
    "bad_stamp",
    "future_stamp",
    "unknown_action",
    "mixed_frame",
    "late",
    "too_many_stamps",
    "too_many_bodies",
    "bad_joint",
    "delete",
)
#: Bodies one frame may hold; more are refused (each would be a track and REP-155 topics).
MAX_BODIES = 20
#: Frames being grouped at once; markers of more stamps than this are refused.
MAX_PENDING = 8
#: A joint further than this from the camera on any axis is no joint (NaN, inf, 1e33).
MAX_METRES = 50.0


@dataclass(frozen=True)
class JointMarker:
    """The parts of one visualization_msgs/Marker the bridge reads."""

    stamp_ns: int
    frame_id: str
    marker_id: int
    action: int
    position: tuple[float, float, float]


@dataclass
class BodyFrame:
    """The bodies of one tracker frame: body id -> ``(J, 3)`` metres, NaN where missing."""

    stamp_ns: int
    frame_id: str
    bodies: dict[int, np.ndarray] = field(default_factory=dict)


@dataclass
class _Pending:
    frame: BodyFrame
    last_seen_s: float


class BodyFrameAssembler:
    """Groups joint markers into frames by header stamp, over as many arrays as they come in.

    A frame is complete when markers with a newer stamp arrive (``add``), when
    no marker of it has come for ``quiet_s`` (``due``, the live node's timer),
    or at the end of a recording (``flush``). Markers of a frame already given
    out are late and counted, never a second frame of the same stamp. An
    array whose every joint is more than ``restart_s`` older than the last
    frame given out means the source started again (a replay looping, a
    driver restart) and starts the grouping afresh (``restarts``); one old
    marker among current ones is only late. Everything refused is counted in
    ``rejected`` by reason, with the last reason's text in ``last_problem``.
    """

    def __init__(
        self,
        layout: Layout = K4ABT32,
        id_stride: int = 100,
        restart_s: float = 1.0,
        max_bodies: int = MAX_BODIES,
    ):
        if id_stride < layout.num_joints:
            raise ValueError(f"id_stride {id_stride} < {layout.num_joints} joints of the layout")
        self.layout = layout
        self.id_stride = id_stride
        self.restart_ns = round(restart_s * 1e9)
        self.max_bodies = max_bodies
        self.restarts = 0
        self.rejected: Counter[str] = Counter()
        self.last_problem = ""
        self._pending: dict[int, _Pending] = {}
        self._emitted_up_to = -1
        self._lags: deque[int] = deque(maxlen=30)  # fallback clock minus joint stamps
        self.frame_id = ""  # the markers' frame, once one has come

    def _reject(self, reason: str, problem: str) -> None:
        self.rejected[reason] += 1
        self.last_problem = problem

    def add(
        self,
        markers: Iterable[JointMarker],
        received_s: float,
        fallback_stamp_ns: int,
        latest_stamp_ns: int | None = None,
    ) -> list[BodyFrame]:
        """One array's markers; returns the frames that newer stamps have completed.

        ``fallback_stamp_ns`` is when the array was received (or recorded). An
        array with no joint marker (empty, or only DELETE/DELETEALL) says no
        body is tracked: an empty frame at the DELETEALL's stamp, else at the
        fallback less the tracker's usual delay (its stamps trail the clock),
        never before the last frame. Markers stamped after ``latest_stamp_ns``
        (the clock plus a tolerance) are refused: one far-future stamp would
        make every later frame late; so are stamps of 0 or less (unset).
        """
        joints, clear_stamp, sent_joints = [], None, False
        for marker in markers:
            sent_joints |= marker.action in (ADD, MODIFY)
            if marker.action == DELETEALL:
                clear_stamp = marker.stamp_ns if marker.stamp_ns > 0 else None
            elif marker.action == DELETE:
                self._reject("delete", f"marker {marker.marker_id}: DELETE ignored")
            elif marker.action not in (ADD, MODIFY):
                self._reject("unknown_action", f"marker action {marker.action} unknown")
            elif marker.stamp_ns <= 0:
                self._reject("bad_stamp", f"marker {marker.marker_id} stamped {marker.stamp_ns}")
            elif latest_stamp_ns is not None and marker.stamp_ns > latest_stamp_ns:
                self._reject("future_stamp", f"marker {marker.marker_id} stamped in the future")
            else:
                joints.append(marker)
        restarted: list[BodyFrame] = []
        if joints and max(m.stamp_ns for m in joints) < self._emitted_up_to - self.restart_ns:
            restarted = self.flush()  # the old timeline's last frames, then afresh
            self._emitted_up_to = -1
            self._lags.clear()
            self.restarts += 1
        for marker in joints:
            self._add_joint(marker, received_s)
        if joints:
            self._lags.append(fallback_stamp_ns - max(m.stamp_ns for m in joints))
        elif not sent_joints:  # nobody tracked (joints all refused say nothing of the kind)
            stamp = clear_stamp or fallback_stamp_ns - min(self._lags, default=0)
            stamp = max(stamp, self._emitted_up_to + 1, max(self._pending, default=-1) + 1)
            self._pending[stamp] = _Pending(BodyFrame(stamp, self.frame_id), received_s)
        newest = max(self._pending, default=-1)
        return restarted + self._emit(lambda stamp: stamp < newest)

    def due(self, now_s: float, quiet_s: float) -> list[BodyFrame]:
        """Frames no marker has added to for ``quiet_s`` (and all older ones)."""
        quiet = [s for s, p in self._pending.items() if now_s - p.last_seen_s >= quiet_s]
        if not quiet:
            return []
        newest_quiet = max(quiet)
        return self._emit(lambda stamp: stamp <= newest_quiet)

    def flush(self) -> list[BodyFrame]:
        return self._emit(lambda stamp: True)

    def reset(self) -> None:
        """Forget every frame being grouped (after a failure); counts and order stay."""
        self._pending.clear()

    def _add_joint(self, marker: JointMarker, received_s: float) -> None:
        body, joint = divmod(marker.marker_id, self.id_stride)
        if marker.marker_id < 0 or joint >= self.layout.num_joints:
            self._reject(
                "id_outside_convention",
                f"marker id {marker.marker_id} is not body_id * {self.id_stride} + a joint "
                f"of {self.layout.name} (0..{self.layout.num_joints - 1})",
            )
            return
        if marker.stamp_ns <= self._emitted_up_to:
            self._reject("late", f"marker {marker.marker_id} of a frame already published")
            return
        pending = self._pending.get(marker.stamp_ns)
        if pending is None:
            if len(self._pending) >= MAX_PENDING:
                self._reject("too_many_stamps", f"marker {marker.marker_id}: too many frames open")
                return
            pending = self._pending[marker.stamp_ns] = _Pending(
                BodyFrame(marker.stamp_ns, marker.frame_id), received_s
            )
        frame = pending.frame
        if not frame.frame_id:
            frame.frame_id = marker.frame_id
        if marker.frame_id != frame.frame_id:
            self._reject(
                "mixed_frame",
                f"marker {marker.marker_id} in frame {marker.frame_id!r}, the others of its "
                f"stamp in {frame.frame_id!r}",
            )
            return
        xyz = frame.bodies.get(body)
        if xyz is None:
            if len(frame.bodies) >= self.max_bodies:
                self._reject(
                    "too_many_bodies", f"body {body}: more than {self.max_bodies} in one frame"
                )
                return
            xyz = frame.bodies[body] = np.full((self.layout.num_joints, 3), np.nan)
        pending.last_seen_s = received_s
        self.frame_id = frame.frame_id
        position = np.asarray(marker.position, dtype=np.float64)
        if not (np.all(np.isfinite(position)) and np.all(np.abs(position) <= MAX_METRES)):
            self._reject("bad_joint", f"marker {marker.marker_id}: position {position}")
            return  # the body is there, this joint is not
        xyz[joint] = position

    def _emit(self, ready: Callable[[int], bool]) -> list[BodyFrame]:
        stamps = sorted(s for s in self._pending if ready(s))
        frames = [self._pending.pop(s).frame for s in stamps]
        if stamps:
            self._emitted_up_to = stamps[-1]
        for frame in frames:  # a body none of whose joints could be used is not there
            frame.bodies = {
                b: xyz for b, xyz in frame.bodies.items() if np.isfinite(xyz).all(axis=1).any()
            }
        return frames


class TrackIds:
    """Fresh track ids for tracker body ids: ours are never reused, a tracker's are.

    A body id unseen for more than ``forget_s`` (or after ``forget_all``) is a
    new person when it comes back.
    """

    def __init__(self, forget_s: float, capacity: int = 1000):
        if not forget_s >= 0.0:
            raise ValueError(f"forget_s must be >= 0, got {forget_s}")
        self.forget_s = forget_s
        self.capacity = capacity  # bodies remembered at most: the longest unseen go first
        self._next = 0
        self._ids: dict[int, tuple[int, float]] = {}  # body id -> (track id, last seen s)

    def __len__(self) -> int:
        return len(self._ids)

    def assign(self, body_ids: Iterable[int], stamp_s: float) -> dict[int, int]:
        for body, (_, seen) in list(self._ids.items()):
            if stamp_s - seen > self.forget_s or stamp_s < seen:
                del self._ids[body]  # gone too long, or time went back (a replay restarted)
        out = {}
        for body in body_ids:
            known = self._ids.pop(body, None)  # re-inserted: the dict is oldest-seen first
            track = known[0] if known is not None else self._new()
            self._ids[body] = (track, stamp_s)
            out[body] = track
        while len(self._ids) > self.capacity:
            del self._ids[next(iter(self._ids))]
        return out

    def forget_all(self) -> None:
        self._ids.clear()

    def _new(self) -> int:
        self._next += 1
        return self._next - 1


@dataclass(frozen=True)
class CameraModel:
    """The depth camera's intrinsics from its camera_info: K, distortion and image size."""

    k: np.ndarray  # (3, 3)
    distortion: np.ndarray  # OpenCV order, as camera_info's D for plumb_bob/rational_polynomial
    width: int
    height: int

    @classmethod
    def from_camera_info(
        cls, k: ArrayLike, d: ArrayLike, width: int, height: int, model: str = ""
    ) -> CameraModel:
        """ValueError (with the reason) for intrinsics no projection can use."""
        k = np.asarray(k, dtype=np.float64).reshape(3, 3)
        if not np.all(np.isfinite(k)) or not (0 < k[0, 0] < 1e5 and 0 < k[1, 1] < 1e5):
            raise ValueError(f"camera_info K has fx, fy = {k[0, 0]}, {k[1, 1]}: need 0..1e5 px")
        if not (0 < width <= 100_000 and 0 < height <= 100_000):
            raise ValueError(f"camera_info size {width}x{height}")
        if not (0 <= k[0, 2] <= width and 0 <= k[1, 2] <= height and k[2, 2] == 1.0):
            raise ValueError(f"camera_info K {k.ravel().tolist()}: principal point off the image")
        d = np.asarray(d, dtype=np.float64).ravel()
        if model and model not in ("plumb_bob", "rational_polynomial") and d.any():
            raise ValueError(f"distortion model {model!r} is not one OpenCV projects")
        if d.size not in (0, 4, 5, 8, 12, 14) or not np.all(np.abs(d) <= 1e3):
            raise ValueError(f"camera_info D has {d.size} coefficients, {d.tolist()}")
        return cls(k, d, int(width), int(height))

    def project(self, xyz: np.ndarray) -> np.ndarray:
        """``(J, 3)`` camera-frame metres -> ``(J, 2)`` pixels.

        NaN for a joint missing, behind the camera (or within 1 cm of its
        plane), or landing further than 10 image sizes off the image: no image
        coordinate means anything there.
        """
        out = np.full((len(xyz), 2), np.nan)
        visible = np.all(np.isfinite(xyz), axis=1) & (xyz[:, 2] > 0.01)
        if visible.any():
            pixels, _ = cv2.projectPoints(
                xyz[visible].reshape(-1, 1, 3), np.zeros(3), np.zeros(3), self.k, self.distortion
            )
            out[visible] = pixels.reshape(-1, 2)
        size = np.array([self.width, self.height])
        with np.errstate(invalid="ignore"):
            out[np.any(np.abs(out - size / 2) > 10 * size, axis=1)] = np.nan
        return out


#: Intrinsics used when no camera_info has come (a bag without one, a driver not yet
#: publishing it): the Azure Kinect's depth camera in NFOV unbinned mode. Only the
#: 2D keypoints depend on them; 3D joints and positions come from the tracker.
NOMINAL_CAMERA = CameraModel(
    np.array([[504.0, 0.0, 320.0], [0.0, 504.0, 288.0], [0.0, 0.0, 1.0]]), np.zeros(0), 640, 576
)
#: Seconds a tracker body id may be unseen and still be the same person (the node's default).
FORGET_S = 0.5


def body_person(
    xyz: np.ndarray,
    track_id: int,
    camera: CameraModel,
    frame_id: str,
    joint_score: float,
    layout: Layout = K4ABT32,
) -> Person:
    """One tracked body as a Person: 3D joints as they came, 2D by projection.

    A joint the tracker gave (finite, in front of the camera) has ``joint_score``
    (the markers carry no confidence); a missing one has 0. The person's score
    is the share of joints present times ``joint_score``; the position is the
    pelvis (else the median of the joints), a depth-camera position in the
    marker frame, as the pose node's depth positions are.
    """
    pixels = camera.project(xyz)
    present = np.all(np.isfinite(pixels), axis=1)
    keypoints = np.zeros((layout.num_joints, 3), np.float32)
    keypoints[present, :2] = pixels[present]
    keypoints[present, 2] = joint_score
    if present.any():
        x0, y0 = pixels[present].min(axis=0)
        x1, y1 = pixels[present].max(axis=0)
        bbox = (float(x0), float(y0), float(x1), float(y1))
    else:
        bbox = (0.0, 0.0, 0.0, 0.0)
    finite = np.all(np.isfinite(xyz), axis=1)
    pelvis = layout.find("hip_center")
    if pelvis and finite[pelvis[0]]:
        position = xyz[pelvis[0]].astype(np.float64)
    elif finite.any():
        position = np.median(xyz[finite], axis=0)
    else:
        position = None
    return Person(
        keypoints,
        layout.name,
        float(joint_score * present.mean()),
        bbox,
        track_id,
        position=position,
        position_source=PositionSource.DEPTH if position is not None else PositionSource.NONE,
        position_frame_id=frame_id if position is not None else "",
        keypoints_3d=xyz.astype(np.float32),  # NaN where the tracker gave no joint
    )


def skeleton_frame(
    frame: BodyFrame,
    track_ids: dict[int, int],
    camera: CameraModel,
    joint_score: float,
    layout: Layout = K4ABT32,
) -> SkeletonFrame:
    """A tracker frame as the pose node's output: one person per body.

    The assembler gives only bodies with a usable joint.
    """
    people = [
        body_person(xyz, track_ids[body], camera, frame.frame_id, joint_score, layout)
        for body, xyz in sorted(frame.bodies.items())
    ]
    return SkeletonFrame(frame.stamp_ns, frame.frame_id, camera.width, camera.height, people)
