"""Chains of elementwise kernels fused into one loop (numbagrad/compile/fusion.py): eager mode's
bits, stores kept for everything read after the chain (by a later call, by Python, by the
caller), and only formulas whose arithmetic the fused loop reproduces exactly."""
import math
import warnings

import numpy as np
import pytest

import numbagrad as torch
from numbagrad import nn
from numbagrad.compile.fusion import _contract_free
from numbagrad.ops import scalar


def _affine(a, b, c):
    return a * b + c


def _via_name(a, b, c):
    t = a * b
    return t - c


def _helper(a):
    return scalar.add(a, 1.0)


def _exp_ratio(a, b):
    return math.exp(a) / (1.0 + b)


@pytest.mark.parametrize("fn, ok", [
    (scalar.add, True), (scalar.mul, True), (scalar.mul_vjp, True), (scalar.sigmoid_vjp, True),
    (scalar.pow_vjp, True), (_exp_ratio, True), (scalar.tanh_vjp, False), (_affine, False),
    (_via_name, False), (_helper, False)])
def test_formulas_a_fused_loop_reproduces(fn, ok):
    # A product feeding a sum may be a fused multiply-add in eager mode's kernel.
    assert _contract_free(fn) is ok


class _Gelu(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1 + torch.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))


class _Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


def _train(act, seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 16), act(), nn.Linear(16, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return model, step


@pytest.mark.parametrize("act", [_Gelu, _Swish])
@pytest.mark.parametrize("fusion", ["on", "off"])
def test_hand_written_activation_trains_as_eager(act, fusion, monkeypatch):
    if fusion == "off":
        monkeypatch.setenv("NUMBAGRAD_FUSION", "0")
    m1, eager = _train(act)
    m2, step = _train(act)
    compiled = torch.compile(step)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(5):
            x = torch.from_numpy(rng.standard_normal((8, 6)).astype(np.float32))
            y = torch.from_numpy(rng.integers(0, 3, 8))
            assert eager(x, y).item() == compiled(x, y).item(), k
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    loops = torch.compiler.explain(compiled).count("@fused_jit")
    assert (loops >= 2) if fusion == "on" else loops == 0


def _compare(f, *args, calls=4):
    """``f`` eager and compiled on ``args`` (new values each call): equal outputs; the source."""
    compiled = torch.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(calls):
            values = [a() for a in args]
            want, got = f(*values), compiled(*values)
            for w, g in zip(want, got):
                np.testing.assert_array_equal(w.numpy(), g.numpy(), err_msg=str(k))
    assert len(compiled.sources) == 1
    return torch.compiler.explain(compiled)


def _randn(*shape, dtype=np.float32):
    rng = np.random.default_rng(len(shape))
    return lambda: torch.from_numpy(rng.standard_normal(shape).astype(dtype))


HISTORY: list = []


def test_intermediate_kept_by_python_is_stored():
    """A result the chain alone reads, but that the function hands to a list the caller reads
    after the step: written by the fused loop all the same."""
    def f(x):
        h = torch.sigmoid(x)
        HISTORY.append(h)
        return ((h * x).exp(),)

    compiled = torch.compile(f)
    x = torch.randn(5)
    for _ in range(4):
        x = x + 1
        got = compiled(x)[0]
        np.testing.assert_array_equal(HISTORY[-1].numpy(), torch.sigmoid(x).numpy())
        np.testing.assert_array_equal(got.numpy(), f(x)[0].numpy())
        HISTORY.pop()  # the eager call's
    assert "@fused_jit" in torch.compiler.explain(compiled)
    HISTORY.clear()


def test_in_place_chain_and_dtypes():
    def f(x, d, i, s):
        y = x * 2.0
        y.add_(1.0)
        y.mul_(s)  # a 0-d argument read once
        z = (d - 1.0).exp() / (d + 2.0)  # float64
        k = i * 3 + 1  # int64
        b = (x > 0) & (y < 1)  # bool
        return y, z, k, b

    text = _compare(f, _randn(7), _randn(7, dtype=np.float64),
                    lambda: torch.randint(-5, 5, (7,)), lambda: torch.tensor(1.5))
    assert "@fused_jit" in text


def test_parallel_length_chain():
    n = (1 << 17) + 3  # above the elementwise kernels' parallel threshold
    text = _compare(lambda x: ((x.sigmoid() * x + 1.0).tanh(),), _randn(n), calls=3)
    assert "@fused_jit(True)" in text
