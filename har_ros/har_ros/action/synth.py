"""Synthetic fridge-disassembly actions: procedural 3D motion projected to 2D (COCO-17).

Honest test data for the pipeline, not a claim about real workers. A body
(random height and proportions, handedness) stands in front of a fridge whose
front is the plane y = 0 (x to the right, z up, metres). Each action is a
function of its phase in [0, 1] that starts and ends in a neutral standing
pose, so actions can be chained into continuous streams. Arms and legs are
placed by two-link inverse kinematics towards hand and foot targets. Cameras
look at the person from several viewpoints; detector-like noise, missed
joints and low scores are added after projection. Deterministic for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..skeleton.layouts import COCO17, Layout
from .dataset import SequenceDataset

ACTIONS = (
    "waiting",
    "opening_door",
    "closing_door",
    "extracting_drawers_and_shelves",
    "changing_side",
)
VIEWS = {"front": 0.0, "left_oblique": -45.0, "right_oblique": 45.0, "left_side": -75.0}
TRAIN_VIEWS = ("front", "left_oblique", "right_oblique")
# motions a worker makes that are none of the actions above: what "unknown" is for
OUTSIDE_ACTIONS = ("waving", "stretching", "phone_call")
J = {name: i for i, name in enumerate(COCO17.joints)}


@dataclass
class Body:
    height: float
    shoulder_width: float
    hip_width: float
    upper_arm: float
    forearm: float
    thigh: float
    shin: float
    right_handed: bool
    sway: float

    @classmethod
    def random(cls, rng: np.random.Generator) -> Body:
        h = rng.uniform(1.55, 1.95)
        r = lambda lo, hi: rng.uniform(lo, hi)  # noqa: E731
        return cls(
            h,
            h * r(0.22, 0.27),
            h * r(0.13, 0.17),
            h * r(0.17, 0.2),
            h * r(0.14, 0.17),
            h * r(0.23, 0.26),
            h * r(0.22, 0.25),
            bool(rng.random() < 0.8),
            r(0.005, 0.02),
        )


def _ik(
    root: np.ndarray, target: np.ndarray, a: float, b: float, bend: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Middle and end joint of a two-link chain reaching for ``target``."""
    d = target - root
    dist = float(np.clip(np.linalg.norm(d), 1e-6, a + b - 1e-6))
    d = d / max(np.linalg.norm(d), 1e-9)
    end = root + d * dist
    along = (a * a - b * b + dist * dist) / (2 * dist)
    height = np.sqrt(max(a * a - along * along, 0.0))
    perp = bend - np.dot(bend, d) * d
    perp = perp / max(np.linalg.norm(perp), 1e-9)
    return root + d * along + perp * height, end


def _smooth(x: float) -> float:
    x = float(np.clip(x, 0.0, 1.0))
    return x * x * (3 - 2 * x)


def _bump(phase: float, start: float, end: float) -> float:
    """0 before ``start``, rises to 1, stays, and falls back to 0 by ``end``."""
    span = end - start
    up = _smooth((phase - start) / (0.3 * span))
    down = 1.0 - _smooth((phase - end + 0.3 * span) / (0.3 * span))
    return min(up, down)


def pose(
    body: Body,
    action: str,
    phase: float,
    base_x: float,
    stand_y: float,
    door_side: int,
    t: float,
    side_shift: float = 0.0,
    squat_depth: float = 0.4,
    reach_height: float = 1.2,
) -> np.ndarray:
    """COCO-17 joints (17, 3) in the fridge frame at one phase of one action."""
    h = body.height
    x = base_x
    pelvis_h = h * 0.53
    lean = 0.0
    hand = {"left": None, "right": None}
    step = 0.0
    if action == "changing_side":
        move = _smooth(phase)
        x = base_x + side_shift * move
        step = np.sin(phase * np.pi * 6) * 0.25 * np.sin(np.pi * phase)
    sway = body.sway * np.sin(2 * np.pi * 0.4 * t)
    x += sway
    main = "right" if body.right_handed else "left"
    if action in ("opening_door", "closing_door"):
        handle = np.array([x + 0.35 * door_side, stand_y - 0.45, reach_height])
        swing = _bump(phase, 0.05, 0.95)
        if action == "opening_door":
            arc = _smooth((phase - 0.35) / 0.45)  # pull the handle round the hinge
        else:
            arc = 1.0 - _smooth((phase - 0.3) / 0.45)  # push it back
        angle = arc * np.radians(80) * door_side
        target = handle + np.array(
            [np.sin(angle) * 0.5, np.cos(angle) * 0.3 + 0.05, 0.0]
        ) * np.array([1, 1, 0])
        hand[main] = (target, swing)
        lean = 0.12 * swing
    elif action == "extracting_drawers_and_shelves":
        bend = _bump(phase, 0.05, 0.95)
        pelvis_h -= squat_depth * h * 0.25 * bend
        lean = 0.45 * bend
        pull = _smooth((phase - 0.45) / 0.3)
        for side, sx in (("left", -1), ("right", 1)):
            target = np.array([x + sx * 0.2, stand_y - 0.5 + 0.3 * pull, 0.45 + 0.25 * pull])
            hand[side] = (target, bend)
    elif action in OUTSIDE_ACTIONS:
        lift = _bump(phase, 0.05, 0.95)
        off = 1.0 if main == "right" else -1.0
        if action == "waving":  # main hand above the shoulder, swinging side to side
            wave = 0.22 * np.sin(phase * np.pi * 8)
            hand[main] = (np.array([x + off * (0.35 + wave), stand_y - 0.15, h * 0.98]), lift)
        elif action == "stretching":  # both hands overhead
            for side, sx in (("left", -1), ("right", 1)):
                hand[side] = (np.array([x + sx * 0.12, stand_y - 0.05, h * 1.18]), lift)
        else:  # phone_call: main hand at the ear, the other across the belly
            hand[main] = (np.array([x + off * 0.1, stand_y - 0.05, h * 0.9]), lift)
            other = "left" if main == "right" else "right"
            hand[other] = (np.array([x, stand_y - 0.2, h * 0.55]), lift)
    pelvis = np.array([x, stand_y + 0.12 * lean, pelvis_h])
    up = np.array([0.0, -np.sin(lean), np.cos(lean)])
    neck = pelvis + up * h * 0.30
    out = np.zeros((17, 3))
    for side, sx in (("left", -1), ("right", 1)):
        shoulder = neck + np.array([sx * body.shoulder_width / 2, 0.0, -0.02 * h])
        hip = pelvis + np.array([sx * body.hip_width / 2, 0.0, 0.0])
        rest = shoulder + np.array([sx * 0.08, -0.05, -(body.upper_arm + body.forearm) * 0.97])
        target = rest
        if hand[side] is not None:
            goal, weight = hand[side]
            target = rest + weight * (goal - rest)
        elbow, wrist = _ik(
            shoulder, target, body.upper_arm, body.forearm, np.array([sx * 0.5, 0.3, -1.0])
        )
        foot_forward = step * (1 if side == "left" else -1)
        ankle_goal = np.array([hip[0] + sx * 0.02, stand_y + foot_forward * 0.3, 0.08])
        knee, ankle = _ik(hip, ankle_goal, body.thigh, body.shin, np.array([0.0, 1.0, 0.2]))
        for name, point in (
            ("shoulder", shoulder),
            ("elbow", elbow),
            ("wrist", wrist),
            ("hip", hip),
            ("knee", knee),
            ("ankle", ankle),
        ):
            out[J[f"{side}_{name}"]] = point
    head = neck + up * h * 0.11 + np.array([0.0, -0.04, 0.0])
    out[J["nose"]] = head + np.array([0.0, -0.1, -0.01])
    for side, sx in (("left", -1), ("right", 1)):
        out[J[f"{side}_eye"]] = head + np.array([sx * 0.035, -0.085, 0.03])
        out[J[f"{side}_ear"]] = head + np.array([sx * 0.075, -0.01, 0.0])
    return out


@dataclass(frozen=True)
class Camera:
    yaw_deg: float  # 0 = in front of the fridge looking at it (towards +y)
    distance: float
    height: float
    focal: float = 520.0
    width: int = 640
    height_px: int = 480

    def optical(self, points: np.ndarray, look_at: np.ndarray) -> np.ndarray:
        """World points in the camera's optical frame (x right, y down, z forward; metres)."""
        yaw = np.radians(self.yaw_deg)
        eye = look_at + np.array([np.sin(yaw) * self.distance, -np.cos(yaw) * self.distance, 0.0])
        eye[2] = self.height
        forward = look_at - eye
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        rel = points - eye
        return np.stack([rel @ right, rel @ down, rel @ forward], axis=-1)

    def project(self, points: np.ndarray, look_at: np.ndarray) -> np.ndarray:
        x, y, z = np.moveaxis(self.optical(points, look_at), -1, 0)
        return np.stack(
            [self.focal * x / z + self.width / 2, self.focal * y / z + self.height_px / 2], axis=-1
        )


def detector_noise(
    uv: np.ndarray, rng: np.random.Generator, px_sigma: float, miss_rate: float
) -> np.ndarray:
    """Keypoints (T, 17, 3) with pixel noise, detector-like scores and missed joints."""
    t = uv.shape[0]
    scores = np.clip(rng.normal(0.8, 0.12, (t, 17)), 0.3, 1.0)
    noisy = uv + rng.normal(0.0, px_sigma, uv.shape)
    missed = rng.random((t, 17)) < miss_rate
    out = np.concatenate([noisy, scores[..., None]], axis=-1).astype(np.float32)
    out[missed] = 0.0
    return out


def perform(
    body: Body,
    action: str,
    rng: np.random.Generator,
    fps: float,
    base_x: float,
    stand_y: float,
    door_side: int,
    t0: float = 0.0,
    toward: float = 0.0,
) -> tuple[np.ndarray, float]:
    """3D joints (T, 17, 3) of one action and the x where the person ends up."""
    duration = rng.uniform(2.0, 3.5) if action != "changing_side" else rng.uniform(2.5, 4.0)
    frames = max(8, int(duration * fps))
    sign = float(np.sign(toward)) if toward else float(rng.choice([-1.0, 1.0]))
    shift = sign * rng.uniform(1.0, 1.8)
    depth, reach = rng.uniform(0.6, 1.2), rng.uniform(1.0, 1.45)
    joints = np.stack(
        [
            pose(
                body,
                action,
                i / (frames - 1),
                base_x,
                stand_y,
                door_side,
                t0 + i / fps,
                shift,
                depth,
                reach,
            )
            for i in range(frames)
        ]
    )
    return joints, base_x + (shift if action == "changing_side" else 0.0)


def make_dataset(
    subjects: int = 12,
    repetitions: int = 5,
    seed: int = 0,
    fps: float = 30.0,
    test_subjects: int = 4,
    views=tuple(VIEWS),
) -> SequenceDataset:
    """Labelled sequences: every subject x action x repetition x view."""
    rng = np.random.default_rng(seed)
    sequences, labels, subject_ids, view_names, split = [], [], [], [], []
    for subject in range(1, subjects + 1):
        body = Body.random(rng)
        for label, action in enumerate(ACTIONS):
            for _ in range(repetitions):
                joints, _ = perform(
                    body,
                    action,
                    rng,
                    fps,
                    rng.uniform(-0.3, 0.3),
                    -rng.uniform(0.5, 0.8),
                    int(rng.choice([-1, 1])),
                    rng.uniform(0, 10),
                )
                centre = joints[:, J["left_hip"]].mean(axis=0)
                for view in views:
                    camera = Camera(
                        VIEWS[view] + rng.uniform(-15, 15),
                        rng.uniform(3.0, 6.5),
                        rng.uniform(1.4, 2.4),
                        focal=rng.uniform(400, 560),
                    )
                    aim = centre + np.array([rng.uniform(-1.5, 1.5), 0, rng.uniform(-0.3, 0.2)])
                    uv = camera.project(joints, aim)
                    sequences.append(
                        detector_noise(uv, rng, rng.uniform(0.5, 2.5), rng.uniform(0.0, 0.08))
                    )
                    labels.append(label)
                    subject_ids.append(subject)
                    view_names.append(view)
                    split.append("test" if subject > subjects - test_subjects else "train")
    return SequenceDataset(
        sequences,
        labels,
        list(ACTIONS),
        subject_ids,
        COCO17,
        split=np.asarray(split),
        views=np.asarray(view_names),
        meta={"source": "har synth", "seed": seed, "fps": fps},
    )


@dataclass
class StreamFrame:
    stamp: float
    people: list[dict]  # track_id, keypoints (17, 3), bbox, floor_xy, label


def _idle(body: Body, fps: float, x: float, stand_y: float, t: float, seconds: float) -> np.ndarray:
    """Standing still (waiting) for ``seconds``: the neutral pose, swaying."""
    return np.stack(
        [
            pose(body, "waiting", 0.0, x, stand_y, 1, t + i / fps)
            for i in range(max(1, round(seconds * fps)))
        ]
    )


def stream_camera(view: str = "front") -> tuple[Camera, np.ndarray]:
    """The camera of a synthetic stream and the point it looks at."""
    return Camera(VIEWS[view], 5.5, 2.0, focal=420.0), np.array([0.0, -0.7, 0.9])


def make_stream(
    people: int = 3,
    seconds: float = 40.0,
    seed: int = 0,
    fps: float = 30.0,
    view: str = "front",
    enter_leave: bool = True,
    outside: float = 0.0,
    idle: tuple[float, float] = (0.0, 0.0),
) -> list[StreamFrame]:
    """Continuous multi-person stream with per-frame labels and floor positions.

    People stand side by side in front of a long fridge line and chain random
    actions; with ``enter_leave`` each person is only present for part of the
    time, so tracks come and go. ``outside`` is the share of actions drawn from
    OUTSIDE_ACTIONS (labelled with their own names); ``idle`` a range of
    seconds of standing still (labelled waiting) between two actions. Both off
    by default, so a seed gives the stream it always gave.
    """
    rng = np.random.default_rng(seed)
    camera, look_at = stream_camera(view)
    frames = [StreamFrame(i / fps, []) for i in range(int(seconds * fps))]
    for person in range(people):
        body = Body.random(rng)
        start = rng.uniform(0, seconds * 0.3) if enter_leave and person else 0.0
        end = seconds - (rng.uniform(0, seconds * 0.3) if enter_leave and person else 0.0)
        x = -1.6 + 3.2 * person / max(1, people - 1) if people > 1 else 0.0
        stand_y = -rng.uniform(0.5, 0.8)
        t = start
        while t < end:
            action = ACTIONS[int(rng.integers(len(ACTIONS)))]
            if outside > 0 and rng.random() < outside:
                action = OUTSIDE_ACTIONS[int(rng.integers(len(OUTSIDE_ACTIONS)))]
            toward = -x if abs(x) > 0.8 else 0.0  # walk back towards the middle
            joints, next_x = perform(
                body, action, rng, fps, x, stand_y, int(rng.choice([-1, 1])), t, toward
            )
            labels = [action] * len(joints)
            if idle[1] > 0:
                rest = _idle(
                    body,
                    fps,
                    float(np.clip(next_x, -2.0, 2.0)),
                    stand_y,
                    t + len(joints) / fps,
                    rng.uniform(*idle),
                )
                joints = np.concatenate([joints, rest])
                labels += ["waiting"] * len(rest)
            uv = camera.project(joints, look_at)
            keypoints = detector_noise(uv, rng, 1.5, 0.03)
            first = round(t * fps)
            for i in range(len(joints)):
                if first + i >= len(frames) or (first + i) / fps >= end:
                    break
                kp = keypoints[i]
                seen = kp[:, 2] > 0
                box = (
                    (kp[seen, 0].min(), kp[seen, 1].min(), kp[seen, 0].max(), kp[seen, 1].max())
                    if seen.any()
                    else (0.0, 0.0, 1.0, 1.0)
                )
                hips = joints[i, [J["left_hip"], J["right_hip"]]].mean(axis=0)
                frames[first + i].people.append(
                    {
                        "track_id": person + 1,
                        "keypoints": kp,
                        "label": labels[i],
                        "bbox": tuple(float(v) for v in box),
                        "floor_xy": (float(hips[0]), float(hips[1])),
                        "camera_xyz": camera.optical(joints[i], look_at),  # (17, 3) metres
                    }
                )
            x = float(np.clip(next_x, -2.0, 2.0))
            t += len(joints) / fps
    return frames


STREAM_LABELS = ACTIONS + OUTSIDE_ACTIONS


def save_stream(frames: list[StreamFrame], path, fps: float) -> None:
    """Stream as flat arrays: one row per person per frame."""
    rows = [(i, p) for i, frame in enumerate(frames) for p in frame.people]
    np.savez_compressed(
        path,
        stamps=np.array([f.stamp for f in frames]),
        fps=np.float64(fps),
        frame_index=np.array([i for i, _ in rows], np.int64),
        track_id=np.array([p["track_id"] for _, p in rows], np.int64),
        keypoints=np.array([p["keypoints"] for _, p in rows], np.float32).reshape(-1, 17, 3),
        bbox=np.array([p["bbox"] for _, p in rows], np.float32).reshape(-1, 4),
        floor_xy=np.array([p["floor_xy"] for _, p in rows], np.float64).reshape(-1, 2),
        label=np.array([STREAM_LABELS.index(p["label"]) for _, p in rows], np.int64),
        class_names=np.array(STREAM_LABELS),
    )


def load_stream(path) -> list[StreamFrame]:
    with np.load(path, allow_pickle=False) as f:
        frames = [StreamFrame(float(t), []) for t in f["stamps"]]
        names = [str(c) for c in f["class_names"]]
        for i, track, kp, box, xy, label in zip(
            f["frame_index"],
            f["track_id"],
            f["keypoints"],
            f["bbox"],
            f["floor_xy"],
            f["label"],
            strict=True,
        ):
            frames[int(i)].people.append(
                {
                    "track_id": int(track),
                    "keypoints": kp,
                    "bbox": tuple(float(v) for v in box),
                    "floor_xy": (float(xy[0]), float(xy[1])),
                    "label": names[int(label)],
                }
            )
    return frames


def make_window_dataset(
    streams: int = 16,
    test_streams: int = 4,
    seed: int = 0,
    window: int = 32,
    rate_hz: float = 15.0,
    stride: int = 9,
    seconds: float = 40.0,
    people: int = 3,
    views=TRAIN_VIEWS,
    body_tracking: bool = False,
) -> SequenceDataset:
    """Windows cut from continuous streams exactly as the action node cuts them.

    Each stream gets its own people and a random training viewpoint; a window
    is kept only when one action covers its start, middle and end. Subjects are
    stream * 100 + track id; the last ``test_streams`` streams are the test split.
    ``body_tracking``: the people's 3D joints as a depth camera's body tracker
    reports them (``k4abt32``, metres in the camera frame, x, y, z, score).
    """
    from .windowing import WindowBuffers, WindowConfig

    layout: Layout = COCO17
    channels: tuple[str, ...] = ("x", "y", "score")
    if body_tracking:
        from ..skeleton.layouts import K4ABT32
        from .synth_tracker import k4abt_from_coco

        layout, channels = K4ABT32, ("x", "y", "z", "score")

    rng = np.random.default_rng(seed)
    sequences, labels, subjects, split, view_names = [], [], [], [], []
    for s in range(streams):
        view = views[int(rng.integers(len(views)))]
        frames = make_stream(people, seconds, seed=seed * 1000 + s, view=view)
        buffers = WindowBuffers(
            WindowConfig(
                window=window,
                stride=stride,
                rate_hz=rate_hz,
                layout=layout.name,
                channels=len(channels),
            )
        )
        truth: dict[int, list[tuple[float, str]]] = {}
        for frame in frames:
            stamp_ns = round(frame.stamp * 1e9)
            buffers.begin_frame(stamp_ns)
            for p in frame.people:
                keypoints = p["keypoints"]
                if body_tracking:
                    xyz = k4abt_from_coco(p["camera_xyz"]) + rng.normal(0, 0.01, (32, 3))
                    keypoints = np.concatenate([xyz, np.ones((32, 1))], axis=1)
                buffers.add(p["track_id"], stamp_ns, keypoints, layout.name)
                truth.setdefault(p["track_id"], []).append((frame.stamp, p["label"]))
            for w in buffers.ready():
                track_truth = dict(truth[w.track_id])
                times = (w.start_ns * 1e-9, (w.start_ns + w.end_ns) * 0.5e-9, w.end_ns * 1e-9)
                found = {
                    track_truth.get(min(track_truth, key=lambda t, x=x: abs(t - x))) for x in times
                }
                if len(found) != 1:
                    continue
                sequences.append(w.keypoints)
                labels.append(ACTIONS.index(found.pop()))
                subjects.append(s * 100 + w.track_id)
                split.append("test" if s >= streams - test_streams else "train")
                view_names.append(view)
    return SequenceDataset(
        sequences,
        labels,
        list(ACTIONS),
        subjects,
        layout,
        channels,
        split=np.asarray(split),
        views=np.asarray(view_names),
        meta={"source": "har synth --windows", "seed": seed, "fps": rate_hz},
    )
