import pytest

from har_ros.common.ewma import Ewma


def test_first_sample_as_is_then_weighted():
    mean = Ewma(0.1)
    assert mean.add(10.0) == 10.0
    assert mean.add(20.0) == pytest.approx(11.0)
    assert mean.count == 2


def test_weight_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="weight"):
        Ewma(0.0)
