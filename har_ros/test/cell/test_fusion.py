import numpy as np
import pytest
from synthetic import observe, person_joints, rig

from har_ros.cell.fusion import Detection, FusionConfig, PersonFusion


def detections(cams, people: dict[int, np.ndarray], hidden=(), noise=0.5, rng=None):
    """Every camera's view of ``people`` (its own track id = person key * 10 + camera)."""
    rng = rng or np.random.default_rng(0)
    out = []
    for k, (name, cam) in enumerate(cams.items()):
        for pid, joints in people.items():
            if (pid, name) in hidden or name in hidden:
                continue
            kp, box = observe(cam, joints, noise, rng)
            out.append(Detection(name, kp, box, track_id=pid * 10 + k))
    return out


def walk(t: float) -> dict[int, np.ndarray]:
    return {1: person_joints(-1.0 + 0.05 * t, 0.5), 2: person_joints(1.0, -0.8 + 0.04 * t)}


def test_two_people_keep_their_ids_and_are_triangulated():
    cams = rig()
    fusion = PersonFusion(cams)
    ids = []
    for t in range(30):
        people = fusion.update(detections(cams, walk(t)))
        assert len(people) == 2
        ids.append([p.fused_id for p in people])
        truth = walk(t)
        for p in people:
            assert len(p.detections) == 4 and p.keypoints_3d is not None
            match = min(truth.values(), key=lambda j: np.linalg.norm(j[11] - p.keypoints_3d[11]))
            assert np.nanmax(np.linalg.norm(p.keypoints_3d - match, axis=1)) < 0.05
            assert abs(p.position[2] - 0.95) < 0.05  # hips
            assert np.nanmedian(p.errors) < 2.0
    assert all(i == ids[0] for i in ids)


def test_a_person_seen_by_one_camera_gets_a_floor_position():
    cams = rig()
    fusion = PersonFusion(cams)
    (person,) = fusion.update(
        detections({"cam1": cams["cam1"]}, {1: person_joints(0.5, 0.2)}, noise=0)
    )
    assert person.keypoints_3d is None and person.primary == "cam1"
    assert np.allclose(person.position[:2], [0.5, 0.2], atol=0.05)


def test_losing_cameras_keeps_the_ids_and_a_new_person_gets_a_new_one():
    cams = rig()
    fusion = PersonFusion(cams)
    first = {p.fused_id for p in fusion.update(detections(cams, walk(0)))}
    # cam1 and cam3 go dark, then only cam2 is left
    for t, hidden in ((1, ("cam1",)), (2, ("cam1", "cam3")), (3, ("cam1", "cam3", "cam4"))):
        people = fusion.update(detections(cams, walk(t), hidden=hidden))
        assert {p.fused_id for p in people} == first, t
    # everyone leaves for longer than max_misses, a third person arrives
    for _ in range(FusionConfig().max_misses + 2):
        fusion.update([])
    (new,) = fusion.update(detections(cams, {3: person_joints(0.0, 0.0)}))
    assert new.fused_id not in first and new.fused_id == max(first) + 1


def test_uncertainty_covers_the_worst_single_view_estimate():
    cams = rig()
    fusion = PersonFusion(cams)
    dets = detections(cams, {1: person_joints(0.0, 0.0)}, noise=0)
    dets[0].keypoints[15:17, 1] -= 15  # cam1 sees the feet a little higher: a nearer floor point
    (person,) = fusion.update(dets)
    worst = max(np.linalg.norm((fusion.floor_estimate(d) - person.position)[:2]) for d in dets)
    assert person.uncertainty == pytest.approx(worst) and person.uncertainty > 0.05


def test_detections_of_unknown_cameras_or_without_joints_are_ignored():
    cams = rig()
    fusion = PersonFusion(cams)
    kp, box = observe(cams["cam1"], person_joints(0, 0))
    blind = kp.copy()
    blind[:, 2] = 0.0
    assert fusion.update([Detection("nowhere", kp, box), Detection("cam1", blind, box)]) == []
    with pytest.raises(ValueError):
        PersonFusion(cams, config=FusionConfig(gate=0))


def test_a_crowd_of_strangers_never_piles_up_tracks():
    """Found and fixed: 20 random people a frame on one camera piled up ~220 tracks.

    Each later step paid for all of them (26 -> 5 fused frames/s).
    """
    cams = rig()
    fusion = PersonFusion(cams, config=FusionConfig(max_tracks=40))
    rng = np.random.default_rng(3)
    for _ in range(30):
        crowd = {k: person_joints(*rng.uniform(-2, 2, 2)) for k in range(20)}
        people = fusion.update(detections({"cam1": cams["cam1"]}, crowd, rng=rng))
        assert people, "the people in view are still fused"
        assert len(fusion.tracks) <= 40
