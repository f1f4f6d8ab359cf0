"""What cannot be captured runs eagerly with one warning naming why (or raises under
``fullgraph=True``); bad arguments to ``compile`` raise torch's errors."""
import warnings

import numpy as np
import pytest

import numbagrad as torch
from numbagrad import nn
from numbagrad.compile import CompileFallback, InvalidBackend


def _setup(seed=0):
    torch.manual_seed(seed)
    model = nn.Linear(4, 3)
    return model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05)


def _batch(k):
    rng = np.random.default_rng(k)
    return (torch.from_numpy(rng.standard_normal((5, 4)).astype(np.float32)),
            torch.from_numpy(rng.standard_normal((5, 3)).astype(np.float32)))


def step_with_item(model, criterion, optimizer, x, y):
    loss = criterion(model(x), y)
    if loss.item() > 1e9:  # a Python branch on a tensor's value
        loss = loss * 0.5
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


def step_with_function(model, criterion, optimizer, x, y):
    loss = criterion(Cube.apply(model(x)), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


@pytest.mark.parametrize("fn,reason", [(step_with_item, "item"),
                                       (step_with_function, "custom autograd.Function Cube")])
def test_fallback_warns_once_and_matches_eager(fn, reason):
    eager_setup, compiled_setup = _setup(), _setup()
    compiled = torch.compile(fn)
    expected = [fn(*eager_setup, *_batch(k)).item() for k in range(6)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = [compiled(*compiled_setup, *_batch(k)).item() for k in range(6)]
    messages = [str(w.message) for w in caught if "numbagrad.compile" in str(w.message)]
    assert len(messages) == 1 and reason in messages[0]
    assert got == expected
    for p, q in zip(eager_setup[0].parameters(), compiled_setup[0].parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    assert reason in torch.compiler.explain(compiled)


def test_fullgraph_raises():
    compiled = torch.compile(step_with_item, fullgraph=True)
    setup = _setup()
    compiled(*setup, *_batch(0))  # the first call runs eagerly
    with pytest.raises(CompileFallback, match="item"):
        compiled(*setup, *_batch(1))


def test_op_without_compiled_form_is_named(monkeypatch):
    from numbagrad.compile import capture

    # Every op of the registry may come to have a compiled form: take one away for the test.
    monkeypatch.setattr(capture, "COVERED", capture.COVERED - {"cumsum"})

    def f(a):
        return a.cumsum(0)

    compiled = torch.compile(f)
    a = torch.ones(3)
    with pytest.warns(UserWarning, match="op 'cumsum' has no compiled form"):
        for _ in range(3):
            np.testing.assert_array_equal(compiled(a).numpy(), [1.0, 2.0, 3.0])


def test_disable_and_environment_run_eagerly(monkeypatch):
    def f(a):
        return a * 2

    off = torch.compile(f, disable=True)
    a = torch.ones(2)
    for _ in range(3):
        np.testing.assert_array_equal(off(a).numpy(), [2, 2])
    assert off.cache.captures == 0
    monkeypatch.setenv("NUMBAGRAD_COMPILE", "0")
    on = torch.compile(f)
    for _ in range(3):
        on(a)
    assert on.cache.captures == 0
    monkeypatch.delenv("NUMBAGRAD_COMPILE")
    for _ in range(3):
        on(a)
    assert on.cache.captures == 1


def test_decorator_forms():
    @torch.compile
    def f(a):
        return a * 3

    @torch.compile(mode="max-autotune", backend="inductor", fullgraph=False, dynamic=False)
    def g(a):
        return a * 4

    a = torch.ones(2)
    for _ in range(3):
        np.testing.assert_array_equal(f(a).numpy(), [3, 3])
        np.testing.assert_array_equal(g(a).numpy(), [4, 4])
    assert f.__name__ == "f" and g.__wrapped__.__name__ == "g"


def test_not_callable():
    with pytest.raises(AssertionError, match="A callable function is expected"):
        torch.compile(3)


@pytest.mark.parametrize("mode", ["default", "lite", "reduce-overhead", "max-autotune",
                                  "max-autotune-no-cudagraphs", None])
def test_torch_modes_are_accepted(mode):
    assert callable(torch.compile(lambda a: a, mode=mode))


def test_unknown_mode_and_backend():
    with pytest.raises(RuntimeError, match="Unrecognized mode=fast, should be one of: default"):
        torch.compile(lambda a: a, mode="fast")
    with pytest.raises(InvalidBackend, match="Invalid backend: 'nope'"):
        torch.compile(lambda a: a, backend="nope")
    for backend in (None, "inductor", "eager", "aot_eager"):
        assert callable(torch.compile(lambda a: a, backend=backend))


def test_signature_matches_torch():
    import inspect

    torch_ = pytest.importorskip("torch")
    ours = inspect.signature(torch.compile).parameters
    theirs = inspect.signature(torch_.compile).parameters
    assert [(n, p.kind, p.default) for n, p in ours.items()] == \
        [(n, p.kind, p.default) for n, p in theirs.items()]


def test_torch_errors_match():
    torch_ = pytest.importorskip("torch")
    for bad in (dict(mode="fast"),):
        with pytest.raises(RuntimeError) as theirs:
            torch_.compile(lambda a: a, **bad)
        with pytest.raises(RuntimeError) as ours:
            torch.compile(lambda a: a, **bad)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(AssertionError) as theirs:
        torch_.compile(3)
    with pytest.raises(AssertionError) as ours:
        torch.compile(3)
    assert str(ours.value) == str(theirs.value)


def test_a_step_numba_cannot_compile_runs_eagerly(monkeypatch):
    """If Numba refuses the generated function, the call runs eagerly (one warning) and the
    optimizer's collected counters are not advanced twice."""
    from numbagrad.compile import codegen

    def broken(source, name, kernels, namespace):
        bad = source.replace("    return 0", "    return undefined_name")
        exec(compile(bad, "<broken>", "exec"), namespace)
        return namespace[name], False

    monkeypatch.setattr(codegen, "load_source", broken)

    def adam_setup():
        torch.manual_seed(0)
        model = nn.Linear(4, 3)
        return model, nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=0.05)

    def step(model, criterion, optimizer, x, y):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    eager_setup, compiled_setup = adam_setup(), adam_setup()
    compiled = torch.compile(step)
    expected = [step(*eager_setup, *_batch(k)).item() for k in range(5)]
    with pytest.warns(UserWarning, match="could not compile"):
        got = [compiled(*compiled_setup, *_batch(k)).item() for k in range(5)]
    assert got == expected
    state = compiled_setup[2].state[compiled_setup[0].weight]
    assert float(state["step"]) == 5.0
