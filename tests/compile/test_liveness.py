"""Buffer reuse by liveness (numbagrad/compile/liveness.py): a recorded copy out of a dead buffer
becomes its producer writing into the destination; a copy whose source or destination is still
in use stays."""
import warnings

import numpy as np
import pytest

import numbagrad as ng
from numbagrad.compile.capture import Call
from numbagrad.compile.liveness import forward_copies


def _fill(a, value=1.0):
    return Call("fill", None, (a, value), ("forward", "x"))


def _copy(src, dst):
    return Call("copy", None, (src, dst), ("accumulate",))


def _read(*arrays):
    return Call("kernel", None, tuple(arrays), ("vjp", "x"))


def test_dead_source_is_written_in_place():
    src, dst, other = np.empty((3, 4)), np.empty((3, 4)), np.empty(5)
    calls = [_fill(src), _read(src, other), _copy(src, dst), _read(dst)]
    new, index = forward_copies(calls, set(), [])
    assert [c.kind for c in new] == ["fill", "kernel", "kernel"]
    assert new[0].args[0] is dst and new[1].args == (dst, other)
    assert index == [0, 1, 2, 2, 3]


def test_views_of_the_source_become_the_same_views_of_the_destination():
    src, dst = np.empty((3, 4)), np.empty((3, 4))
    row, flat = src[1], src.reshape(-1)
    calls = [_fill(flat), _read(row), _copy(src, dst)]
    new, _ = forward_copies(calls, set(), [])
    assert len(new) == 2
    moved_flat, moved_row = new[0].args[0], new[1].args[0]
    moved_flat[...] = np.arange(12.0)
    assert np.array_equal(dst.reshape(-1), np.arange(12.0))
    assert moved_row.shape == (4,) and np.array_equal(moved_row, dst[1])


@pytest.mark.parametrize("case", ["read_after", "destination_in_use", "pinned", "frozen",
                                  "dtype", "part_of_source", "never_written"])
def test_copy_kept_where_a_value_is_still_needed(case):
    src, dst = np.empty(6), np.empty(6)
    calls = [_fill(src), _copy(src, dst)]
    pinned, frozen = set(), []
    if case == "read_after":
        calls.append(_read(src))
    elif case == "destination_in_use":
        calls.insert(1, _read(dst))
    elif case == "pinned":
        pinned = {id(src)}
    elif case == "frozen":
        frozen = [(0, 2)]
    elif case == "dtype":
        calls[1] = _copy(src, np.empty(6, np.float32))
    elif case == "part_of_source":
        calls[1] = _copy(src[:3], dst[:3])
    else:
        calls = calls[1:]
    new, _ = forward_copies(calls, pinned, frozen)
    assert [c.kind for c in new] == [c.kind for c in calls]


def _mlp(seed):
    ng.manual_seed(seed)
    model = ng.nn.Sequential(ng.nn.Linear(6, 16), ng.nn.ReLU(), ng.nn.Linear(16, 3))
    return model, ng.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def _step(model, opt, loss_fn, returns_grad):
    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return (loss, model[0].weight.grad) if returns_grad else loss

    return step


@pytest.mark.parametrize("returns_grad", [False, True], ids=["loss", "loss_and_grad"])
def test_compiled_step_copies_no_gradient_and_matches_eager(returns_grad):
    x, y = ng.randn(8, 6), ng.randint(0, 3, (8,))
    m_eager, o_eager = _mlp(0)
    m_comp, o_comp = _mlp(0)
    eager = _step(m_eager, o_eager, ng.nn.CrossEntropyLoss(), returns_grad)
    compiled = ng.compile(_step(m_comp, o_comp, ng.nn.CrossEntropyLoss(), returns_grad))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            want, got = eager(x, y), compiled(x, y)
            for a, b in zip(want if returns_grad else [want], got if returns_grad else [got]):
                assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    for p, q in zip(m_eager.parameters(), m_comp.parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())
        assert np.array_equal(p.grad.numpy(), q.grad.numpy())
    source = ng.compiler.explain(compiled)
    assert "accumulate" not in source  # every gradient written where .grad holds it
