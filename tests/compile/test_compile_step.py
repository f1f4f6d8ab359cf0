"""A compiled training step gives eager mode's numbers, bit for bit, step after step.

Each test builds two identical setups from one seed, runs the eager step on one and the
compiled step on the other (the eager run first, then the compiled one, so that neither reuses
memory freshly released by the other), and compares losses and weights exactly.
"""
import warnings

import numpy as np
import pytest

import numbagrad as torch
from numbagrad import nn


def _linear(seed=0):
    torch.manual_seed(seed)
    model = nn.Linear(5, 3)
    return model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def _mlp(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
    return model, nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=0.01)


def step(model, criterion, optimizer, x, y):
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def _data(n, i, o, seed=1):
    rng = np.random.default_rng(seed)
    return [(torch.from_numpy(rng.standard_normal((n, i)).astype(np.float32)),
             torch.from_numpy(rng.standard_normal((n, o)).astype(np.float32)))
            for _ in range(4)]


def _run(fn, setup, batches, steps=20):
    model = setup[0]
    losses = [fn(*setup, *batches[k % len(batches)]).item() for k in range(steps)]
    return losses, [p.detach().numpy().copy() for p in model.parameters()]


def _same(a, b):
    assert a[0] == b[0]  # losses, exactly
    for p, q in zip(a[1], b[1]):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("build,shape", [(_linear, (7, 5, 3)), (_mlp, (4, 6, 2))],
                         ids=["linear-mse-sgd-momentum", "mlp-mse-adam"])
def test_twenty_steps_equal_eager(build, shape):
    batches = _data(*shape)
    eager = _run(step, build(), batches)
    compiled_step = torch.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback
        compiled = _run(compiled_step, build(), batches)
    _same(eager, compiled)
    assert len(compiled_step.sources) == 1
    assert compiled_step.cache.captures == 1


def test_returned_loss_is_a_plain_tensor():
    compiled_step = torch.compile(step)
    setup = _linear()
    (x, y), = _data(3, 5, 3)[:1]
    for _ in range(3):
        loss = compiled_step(*setup, x, y)
    assert isinstance(loss, torch.Tensor) and loss.shape == () and not loss.requires_grad
    assert all(p.grad is not None and p.grad.shape == p.shape for p in setup[0].parameters())


@pytest.mark.parametrize("build", [_linear, _mlp], ids=["sgd-momentum", "adam"])
def test_kept_losses_and_gradients_keep_their_values(build):
    """Losses and ``.grad`` tensors kept across calls (``losses.append(loss)``) hold their own
    call's values, as eager mode's new tensors do, though the compiled step writes its
    buffers again at each call."""
    batches = _data(4, 5, 3) if build is _linear else _data(4, 6, 2)
    runs = []
    for fn in (step, torch.compile(step)):
        setup = build()
        losses, grads = [], []
        for k in range(6):
            losses.append(fn(*setup, *batches[k % 4]))
            grads.append([p.grad for p in setup[0].parameters()])
        runs.append(([loss.item() for loss in losses],
                     [[g.numpy().copy() for g in gs] for gs in grads]))
    assert runs[0][0] == runs[1][0]
    for gs, hs in zip(runs[0][1], runs[1][1]):
        for g, h in zip(gs, hs):
            np.testing.assert_array_equal(g, h)


def test_explain_prints_source_and_kernels():
    compiled_step = torch.compile(step)
    setup = _linear()
    batches = _data(3, 5, 3)
    for k in range(3):
        compiled_step(*setup, *batches[k])
    text = torch.compiler.explain(compiled_step)
    assert "def step(A, S, K):" in text
    assert "forward linear" in text and "vjp mse_loss" in text and "optimizer SGD" in text
    assert "S[0]" in text  # the learning rate is read at each call


def test_module_compile_shares_parameters_and_prefixes_state_dict():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    compiled = torch.compile(model)
    assert list(compiled.state_dict()) == ["_orig_mod.weight", "_orig_mod.bias"]
    assert compiled._orig_mod is model
    assert all(p is q for p, q in zip(compiled.parameters(), model.parameters()))
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32))
    with torch.no_grad():
        outs = [compiled(x) for _ in range(3)]
        expected = model(x)
    for out in outs:
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
    assert len(compiled._compiled.sources) == 1


def test_elementwise_chain_through_backward():
    """Every covered elementwise op in one step, its vjp included, with Python-number operands
    (constants the compiled step writes itself)."""
    def chain_step(model, criterion, optimizer, x, y):
        h = model(x)
        h = (h.sigmoid() * 2.0 - h.tanh()).exp().neg() + h.relu() * h
        loss = criterion(h, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    batches = _data(4, 5, 3)
    eager = _run(chain_step, _linear(), batches, steps=8)
    compiled_step = torch.compile(chain_step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        compiled = _run(compiled_step, _linear(), batches, steps=8)
    _same(eager, compiled)
    assert len(compiled_step.sources) == 1


def test_compiler_is_compiling_and_reset():
    seen = []

    def f(a):
        seen.append(torch.compiler.is_compiling())
        return a * 2.0

    compiled = torch.compile(f)
    a = torch.from_numpy(np.arange(3, dtype=np.float32))
    for _ in range(3):
        np.testing.assert_array_equal(compiled(a).numpy(), [0, 2, 4])
    assert seen == [False, True]  # eager warm-up, capture; the compiled call runs no Python
    assert not torch.compiler.is_compiling()
    torch.compiler.reset()
    assert compiled.sources == [] and compiled.cache.captures == 0
    for _ in range(2):
        compiled(a)
    assert seen == [False, True, False, True]
