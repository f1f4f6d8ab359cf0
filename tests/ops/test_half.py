"""float16 tensors: every op computes them in float32 and rounds its result, as torch's CPU
kernels do, so values and gradients are torch's; optimizers update float16 parameters."""
import numpy as np
import pytest

import numbagrad as ng

DATA = [[1.5, -2.25, 3.0], [0.125, 7.5, -0.5]]


def _run(L):
    x = L.tensor(DATA, dtype=L.half, requires_grad=True)
    w = L.tensor([0.5, -1.0, 2.0], dtype=L.half, requires_grad=True)
    y = (x * w + x.sin()).tanh() @ w
    loss = (y * y).mean() + x.sum(dim=0).exp().sum() * 1e-3
    loss.backward()
    return y, loss, x.grad, w.grad


def test_ops_keep_float16_and_compute_in_float32():
    y, loss, gx, gw = _run(ng)
    for t in (y, loss, gx, gw):
        assert t.dtype is ng.float16
    # the same program in float32, rounded once per op: close to float16 precision
    x = np.array(DATA, np.float32)
    w = np.array([0.5, -1.0, 2.0], np.float32)
    expected = np.tanh(x * w + np.sin(x)) @ w
    np.testing.assert_allclose(np.asarray(y.detach()).astype(np.float32), expected, rtol=5e-3)


def test_values_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(_run(ng), _run(torch)):
        np.testing.assert_allclose(ours.detach().float().numpy(), theirs.detach().float().numpy(),
                                   rtol=2e-3, atol=1e-3)


def test_explicit_result_dtype_is_kept():
    x = ng.tensor([1.0, 2.0, 3.5], dtype=ng.half)
    assert x.sum(dtype=ng.float32).dtype is ng.float32
    assert x.sum().dtype is ng.float16
    assert (x > 2).dtype is ng.bool


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)),
                                         ("Adam", dict(lr=0.1)), ("RMSprop", dict(lr=0.01)),
                                         ("Adagrad", dict(lr=0.1))])
def test_optimizers_update_float16_parameters_as_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    weights = []
    for L in (ng, torch):
        lin = L.nn.Linear(3, 2)
        with L.no_grad():
            lin.weight.copy_(L.tensor([[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]]))
            lin.bias.copy_(L.tensor([0.1, -0.1]))
        lin = lin.half()
        opt = getattr(L.optim, name)(lin.parameters(), **kwargs)
        for _ in range(3):
            opt.zero_grad()
            out = lin(L.ones(4, 3, dtype=L.half))
            (out * out).sum().backward()
            opt.step()
        assert str(lin.weight.dtype).endswith("float16")
        weights.append(lin.weight.detach().float().numpy())
    # one float16 rounding apart at most: torch rounds after each step of the update
    np.testing.assert_allclose(weights[0], weights[1], rtol=0, atol=2e-3)
