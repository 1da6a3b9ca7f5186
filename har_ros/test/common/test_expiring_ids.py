"""ExpiringIds: new ids once, expired ids once, after the expiry time and not before."""

import pytest

from har_ros.common.expiring_ids import ExpiringIds


def test_an_id_is_new_once_and_expires_after_the_expiry_time():
    ids = ExpiringIds(2.0)
    assert ids.seen(["b1"], 0.0) == (["b1"], [])
    assert ids.seen(["b1"], 1.0) == ([], [])
    assert ids.seen([], 3.0) == ([], [])  # last seen at 1.0: gone 2.0 s, not more
    assert ids.seen([], 3.01) == ([], ["b1"])
    assert "b1" not in ids and len(ids) == 0
    assert ids.seen(["b1"], 4.0) == (["b1"], [])  # back: new again


def test_hundreds_of_short_lived_ids_leave_only_the_recent_ones():
    ids = ExpiringIds(1.0)
    for step in range(500):
        ids.seen([f"b{step}"], step * 0.1)
    assert len(ids) == 11  # the ids of the last 1.0 s


@pytest.mark.parametrize("expiry", [-1.0, float("nan")])
def test_a_bad_expiry_is_refused(expiry):
    with pytest.raises(ValueError, match="expiry_s"):
        ExpiringIds(expiry)
