"""Ops beyond the first set, captured: each step runs 20 times eagerly and compiled from
identical setups, and losses and weights must agree bit for bit; an op without a compiled form
runs eagerly with one warning naming it.

Covered here: ``sum``/``mean`` (all elements and over dims), broadcasting ``add``/``sub``/``mul``
(bias-style, with the vjps that sum the broadcast away), ``cross_entropy``/``nll_loss``
(class-index targets, mean and sum, a denominator that changes with ``ignore_index``),
``log_softmax``, ``matmul``, ``conv2d``, ``max_pool2d`` and ``flatten``.
"""
import warnings

import numpy as np
import pytest

import numbagrad as torch
from numbagrad import nn
import numbagrad.nn.functional as F


class _Params(nn.Module):
    def __init__(self, **shapes):
        super().__init__()
        for name, shape in shapes.items():
            setattr(self, name, nn.Parameter(torch.randn(*shape)))


def _broadcast(m, x, y):
    h = x * m.w + m.b  # (4, 3) * (4, 3) + (3,)
    z = (h - m.b).mean(0) * m.b  # sub of a broadcast bias, mean over a dim
    return z.sum() + h.mean() + (h * m.c).sum(1).mean() + (h - m.c).sum((0, 1))


def _classes(reduction, ignore=False):
    def loss(m, x, y):
        return F.cross_entropy(x @ m.w + m.b, y, reduction=reduction)

    return loss


def _nll(m, x, y):
    return F.nll_loss(F.log_softmax(torch.matmul(x, m.w) + m.b, dim=1), y)


def _cnn(m, x, y):
    return F.cross_entropy(m.net(x), y)


CASES = {
    # name: (parameters, loss(m, x, y), x shape, target: "float" shape or ("classes", n, C))
    "broadcast-sum-mean": (dict(w=(4, 3), b=(3,), c=(4, 1)), _broadcast, (4, 3), None),
    "cross-entropy-mean": (dict(w=(6, 4), b=(4,)), _classes("mean"), (5, 6), 4),
    "cross-entropy-sum": (dict(w=(6, 4), b=(4,)), _classes("sum"), (5, 6), 4),
    "nll-log-softmax-matmul": (dict(w=(6, 4), b=(4,)), _nll, (5, 6), 4),
}


def _setup(name, seed=0):
    shapes = CASES[name][0]
    torch.manual_seed(seed)
    if name == "cnn":
        m = nn.Module()
        m.net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(2 * 3 * 3, 4))
    else:
        m = _Params(**shapes)
    return m, torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)


def _batches(name):
    _, _, xshape, classes = CASES[name]
    rng = np.random.default_rng(1)
    out = []
    for k in range(4):
        x = torch.from_numpy(rng.standard_normal(xshape).astype(np.float32))
        if classes is None:
            y = torch.zeros(1)
        else:
            t = rng.integers(0, classes, xshape[0])
            if k == 3:
                t[1:3] = -100  # ignored rows: the mean's denominator changes after the capture
            y = torch.from_numpy(t)
        out.append((x, y))
    return out


def _step(m, opt, loss_fn, x, y):
    loss = loss_fn(m, x, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def _run(fn, name, steps=20):
    m, opt = _setup(name)
    batches = _batches(name)
    losses = [fn(m, opt, CASES[name][1], *batches[k % 4]).item() for k in range(steps)]
    return losses, [p.detach().numpy().copy() for p in m.parameters()]


CASES["cnn"] = (None, _cnn, (2, 1, 6, 6), 4)


@pytest.mark.parametrize("name", list(CASES))
def test_twenty_steps_equal_eager(name):
    eager = _run(_step, name)
    compiled_step = torch.compile(_step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback
        compiled = _run(compiled_step, name)
    assert len(compiled_step.sources) == 1 and compiled_step.cache.captures == 1
    assert eager[0] == compiled[0]
    for p, q in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(p, q)


def _uncovered(m, x, y):
    return torch.cumsum(x * m.w, 0).sum()


def test_uncovered_op_falls_back_with_one_warning_naming_it(monkeypatch):
    from numbagrad.compile import capture

    # Every op of the registry may come to have a compiled form: take one away for the test.
    monkeypatch.setattr(capture, "COVERED", capture.COVERED - {"cumsum"})
    CASES["cumsum"] = (dict(w=(4, 3)), _uncovered, (4, 3), None)
    try:
        eager = _run(_step, "cumsum", steps=5)
        compiled_step = torch.compile(_step)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compiled = _run(compiled_step, "cumsum", steps=5)
    finally:
        del CASES["cumsum"]
    texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(texts) == 1 and "'cumsum'" in texts[0], texts
    assert not compiled_step.sources
    assert eager[0] == compiled[0]
    for p, q in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 64, 127, 128, 129, 300, 1000, 4099])
def test_pairwise_sum_is_numpys(n):
    from numbagrad.compile.loss_tail import pairwise_sum

    rng = np.random.default_rng(n)
    a = rng.standard_normal(n) * 10.0 ** rng.integers(-6, 6, n)
    assert pairwise_sum(a, 0, n) == a.sum()
