import numpy as np
from synthetic import observe, person_joints, rig

from har_ros.cell.triangulation import triangulate


def test_exact_views_give_the_joints_back():
    cams = list(rig().values())
    joints = person_joints(0.4, -0.3, yaw=0.5)
    result = triangulate(cams, [observe(c, joints)[0] for c in cams])
    assert np.allclose(result.points, joints, atol=1e-6)
    assert np.nanmax(result.errors) < 1e-3 and result.views.all()


def test_a_wrong_view_is_dropped_and_low_scores_are_ignored():
    cams = list(rig().values())
    joints = person_joints(0.0, 0.0)
    views = [
        observe(c, joints, noise=0.5, rng=np.random.default_rng(i))[0] for i, c in enumerate(cams)
    ]
    views[2][5, :2] += 80  # one camera puts the left shoulder somewhere else
    views[1][0, 2] = 0.1  # and one barely sees the nose
    result = triangulate(cams, views, min_score=0.3, max_error_px=10)
    assert not result.views[5, 2] and result.views[5, [0, 1, 3]].all()
    assert not result.views[0, 1]
    assert np.linalg.norm(result.points[5] - joints[5]) < 0.02
    assert np.nanmax(result.errors) < 10


def test_a_joint_seen_once_stays_unknown():
    cams = list(rig().values())[:2]
    joints = person_joints(0.0, 0.0)
    views = [observe(c, joints)[0] for c in cams]
    views[1][3, 2] = 0.0
    result = triangulate(cams, views)
    assert np.isnan(result.points[3]).all() and np.isfinite(result.points[4]).all()


def test_solving_all_joints_at_once_equals_solving_each_joint_alone():
    """The batched first pass changes the cost, not the answer (per-joint reference)."""
    from har_ros.cell.triangulation import _solve_joint

    cams = list(rig().values())
    projections = np.stack([c.projection() for c in cams])
    rng = np.random.default_rng(7)
    for trial in range(20):
        joints = person_joints(rng.uniform(-1, 1), rng.uniform(-1, 1), yaw=rng.uniform(-3, 3))
        views = [observe(c, joints, noise=1.0, rng=rng)[0] for c in cams]
        for view in views:  # outliers, unseen and unknown joints
            view[rng.integers(0, len(joints), 2), :2] += rng.normal(0, 60, (2, 2))
            view[rng.integers(0, len(joints)), 2] = 0.1
        views[trial % 4][rng.integers(0, len(joints))] = np.nan
        result = triangulate(cams, views, min_score=0.3, max_error_px=10)
        kp = np.stack(views)
        for j in range(len(joints)):
            seen = [v for v in range(4) if kp[v, j, 2] >= 0.3 and np.isfinite(kp[v, j]).all()]
            ideal = np.stack(
                [
                    c.undistort(kp[v, j : j + 1, :2])[0] if v in seen else np.zeros(2)
                    for v, c in enumerate(cams)
                ]
            )
            alone = _solve_joint(cams, projections, ideal, kp[:, j], seen, 10)
            if alone is None:
                assert np.isnan(result.points[j]).all(), (trial, j)
                continue
            assert np.allclose(result.points[j], alone[0], atol=1e-6), (trial, j)
            assert np.isclose(result.errors[j], alone[1], atol=1e-6)
            assert sorted(np.flatnonzero(result.views[j])) == sorted(alone[2]), (trial, j)
