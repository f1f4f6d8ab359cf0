"""The Python work of a compiled call, made smaller without changing what it checks: the call
key by type, the arrays passed to the generated function (views made inside it), and the
optimizer's collection."""
import enum
import warnings

import numpy as np

import numbagrad as torch
from numbagrad import nn
from numbagrad.compile import codegen
from numbagrad.compile.collect import collect
from numbagrad.compile.guards import call_key
from numbagrad.tensor import Tensor


def _reference_describe(value):
    """The call key's description of one value, written with ``isinstance`` tests in order."""
    if isinstance(value, Tensor):
        a = value._data
        return ("T", a.shape, a.dtype, value._device, value._requires_grad)
    if value is None or isinstance(value, (bool, int, float, str)):
        return ("V", type(value), value)
    if isinstance(value, (tuple, list)) and len(value) <= 8:
        return (type(value),) + tuple(_reference_describe(v) for v in value)
    return ("O", id(value))


class _Color(enum.IntEnum):
    RED = 1


class _Pair(tuple):
    pass


def test_call_key_matches_the_isinstance_description():
    model = nn.Linear(2, 1)
    values = [torch.ones(2, 3), model.weight, None, True, 3, 2.5, "mean", _Color.RED,
              (1, torch.zeros(2)), [None, 1.0], _Pair((1, 2)), tuple(range(9)), model,
              object(), np.float32(1.0), np.ones(2)]
    for _ in range(2):  # the second time from the table of types
        key = call_key(tuple(values), {"b": 2, "a": model.bias})
        expected = tuple(_reference_describe(v) for v in values) + (
            ("a", _reference_describe(model.bias)), ("b", _reference_describe(2)))
        assert key[:-1] == expected
        assert key[-1] is torch.is_grad_enabled()


def _compiled_sgd_step():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    criterion = nn.MSELoss()

    def step(x, y):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    compiled = torch.compile(step)
    x, y = torch.ones(5, 3), torch.zeros(5, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            compiled(x, y)
    (entry,) = [e for e in compiled.cache.entries.values() if e.state == "compiled"]
    return entry.step, optimizer


def test_views_of_passed_arrays_are_made_inside_the_step():
    step, _ = _compiled_sgd_step()
    passed = step.program.arrays
    ids = {id(a) for a in passed}
    for a in passed:
        base = a.base
        while base is not None:
            assert not (id(base) in ids and codegen._same_memory_view(a, base))
            base = base.base if isinstance(base, np.ndarray) else None
    assert ".reshape((" in step.program.source  # the optimizer's flat views of parameters
    assert len(passed) == step.program.source.count(" = A[")


def test_same_memory_view_rule():
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert codegen._same_memory_view(base.reshape(-1), base)
    assert not codegen._same_memory_view(base.view(np.int32).reshape(-1), base)  # dtype
    assert not codegen._same_memory_view(base[:, :2], base)  # not the whole
    assert not codegen._same_memory_view(base.T, base)  # not C-contiguous
    assert not codegen._same_memory_view(base.reshape(-1)[::-1], base.reshape(-1))
    readonly = base.reshape(-1)
    readonly.flags.writeable = False
    assert not codegen._same_memory_view(readonly, base)
    assert not codegen._same_memory_view(np.zeros((0,))[:0], np.zeros((0,)))
    scalar = np.zeros(1, np.float32)
    assert not codegen._same_memory_view(scalar.reshape(()), scalar)
    assert not codegen._same_memory_view(base.reshape(-1), base.tolist())


def test_collection_holds_kernels_back_and_undoes():
    step, optimizer = _compiled_sgd_step()
    before = [p.detach().numpy().copy() for p in optimizer.param_groups[0]["params"]]
    calls, undo = collect(optimizer)
    undo()
    assert calls and all(c.kind == "kernel" for c in calls)
    after = [p.detach().numpy() for p in optimizer.param_groups[0]["params"]]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert not torch.compiler.is_compiling()
