"""Anomaly detection: a NaN made in backward names the node, with the forward trace."""
import os
import warnings

import pytest

import numbagrad
from numbagrad.autograd import anomaly


@pytest.fixture(autouse=True)
def anomaly_off():
    yield
    numbagrad.autograd.set_detect_anomaly(False)


def _nan_in_backward():
    x = numbagrad.tensor([0.0, 2.0], requires_grad=True)
    return numbagrad.sqrt(x * 0).sum(), x  # sqrt'(0) = inf, then inf * 0 = nan in MulBackward0


def test_nan_in_backward_names_the_op_and_its_forward_call():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        mode = numbagrad.autograd.detect_anomaly()
    with mode:
        assert numbagrad.is_anomaly_enabled()
        y, _ = _nan_in_backward()
        with pytest.warns(UserWarning, match="Error detected in MulBackward0") as record:
            with pytest.raises(RuntimeError, match=r"^Function 'MulBackward0' returned nan "
                               r"values in its 0th output\.$"):
                y.backward()
    assert "test_anomaly.py" in str(record[-1].message)  # the forward call's place
    assert not numbagrad.is_anomaly_enabled()


def test_log_of_negative_names_log_backward():
    numbagrad.autograd.set_detect_anomaly(True)
    x = numbagrad.tensor([-1.0], requires_grad=True)
    y = numbagrad.log(x * numbagrad.tensor([float("nan")]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="Function 'LogBackward0' returned nan values in "
                           "its 0th output"):
            y.backward()


def test_message_matches_torch():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.detect_anomaly():
            x = torch.tensor([0.0, 2.0], requires_grad=True)
            with pytest.raises(RuntimeError) as theirs:
                torch.sqrt(x * 0).sum().backward()
        with numbagrad.autograd.detect_anomaly():
            y, _ = _nan_in_backward()
            with pytest.raises(RuntimeError) as ours:
                y.backward()
    assert str(ours.value) == str(theirs.value)


def test_off_by_default_nan_passes_through():
    y, x = _nan_in_backward()
    y.backward()
    assert x.grad.isnan().any()
    assert not numbagrad.is_anomaly_enabled()


def test_check_nan_false_lets_nan_through():
    with numbagrad.autograd.set_detect_anomaly(True, check_nan=False):
        assert numbagrad.is_anomaly_enabled() and not numbagrad.is_anomaly_check_nan_enabled()
        y, x = _nan_in_backward()
        y.backward()
    assert x.grad.isnan().any()
    assert not numbagrad.is_anomaly_enabled() and numbagrad.is_anomaly_check_nan_enabled()


def test_set_detect_anomaly_as_a_function_stays_on():
    numbagrad.autograd.set_detect_anomaly(True)
    assert numbagrad.is_anomaly_enabled()
    numbagrad.autograd.set_detect_anomaly(False)
    assert not numbagrad.is_anomaly_enabled()


def test_nodes_keep_a_trace_only_when_enabled():
    x = numbagrad.ones(2, requires_grad=True)
    assert getattr((x * 2).grad_fn, "trace", None) is None
    with numbagrad.autograd.set_detect_anomaly(True):
        node = (x * 2).grad_fn
    assert any("test_anomaly.py" in frame.filename for frame in node.trace)
    package = os.path.dirname(os.path.abspath(numbagrad.__file__)) + os.sep
    assert not any(os.path.abspath(frame.filename).startswith(package) for frame in node.trace)


def test_finite_gradients_are_unchanged_under_anomaly_mode():
    x = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    with numbagrad.autograd.set_detect_anomaly(True):
        (numbagrad.log(x) * x).sum().backward()
    expected = (numbagrad.log(x.detach()) + 1).tolist()
    assert x.grad.tolist() == pytest.approx(expected)


def test_custom_function_nan_is_caught():
    class Bad(numbagrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    x = numbagrad.ones(2, requires_grad=True)
    with numbagrad.autograd.set_detect_anomaly(True):
        y = Bad.apply(x).sum()
        with pytest.raises(RuntimeError, match="Function 'BadBackward' returned nan values"):
            y.backward()


def test_engine_reads_one_flag():
    assert anomaly.enabled is False and anomaly.check_nan is True
