"""The Python work of a compiled call, made smaller without changing what it checks: the call
key by type, the arrays passed to the generated function (views made inside it), the
optimizer's collection, and its scalar-only path (``FastScalars``)."""
import enum
import warnings

import numpy as np
import pytest

import numbagrad as torch
from numbagrad import nn
from numbagrad.compile import codegen
from numbagrad.compile.collect import FastScalars, collect, same_scalars
from numbagrad.compile.guards import call_key
from numbagrad.tensor import Tensor


def _reference_describe(value):
    """The call key's description of one value, written with ``isinstance`` tests in order."""
    if isinstance(value, Tensor):
        a = value._data
        if value._requires_grad and value.grad_fn is None:  # a leaf: also by identity
            return ("T", a.shape, a.dtype, value._device, True, id(value))
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
        assert key[:-2] == expected
        assert key[-2:] == (torch.is_grad_enabled(), torch.get_default_dtype())


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


def test_one_array_is_passed_per_call():
    """The buffers and kernels reach the step as one array of addresses (see codegen)."""
    step, _ = _compiled_sgd_step()
    table = step.program.arrays
    assert isinstance(table, np.ndarray) and table.dtype == np.intp and table.ndim == 1
    assert step.program.source.startswith("def step(A, S, K):")
    assert step.program.source.count("(A, ") >= len(table)


def test_collection_holds_kernels_back_and_undoes():
    step, optimizer = _compiled_sgd_step()
    before = [p.detach().numpy().copy() for p in optimizer.param_groups[0]["params"]]
    calls, undo = collect(optimizer)
    undo()
    assert calls and all(c.kind == "kernel" for c in calls)
    after = [p.detach().numpy() for p in optimizer.param_groups[0]["params"]]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert not torch.compiler.is_compiling()


def _trained(cls, steps=2, **options):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    optimizer = cls([{"params": model[0].parameters()},
                     {"params": model[2].parameters(), "lr": 0.003}], **options)
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(torch.ones(5, 3)), torch.zeros(5, 2)).backward()
        optimizer.step()
    return optimizer


def _snapshot(optimizer):
    """Every state value and version counter of ``optimizer``'s tensors."""
    out = []
    for group in optimizer.param_groups:
        for p in group["params"]:
            out.append(p._version.value)
            for k, v in sorted(optimizer.state[p].items()):
                out.append((k, v.detach().numpy().copy().tolist(), v._version.value))
    return out


@pytest.mark.parametrize("name,options", [
    ("SGD", dict(lr=0.01)), ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01)), ("ASGD", dict(lr=0.01, t0=1)), ("RAdam", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)), ("Adagrad", dict(lr=0.1)),
    ("Adadelta", dict(lr=1.0)), ("Adamax", dict(lr=0.01)), ("Rprop", dict(lr=0.01)),
])
def test_scalar_only_path_equals_collection(name, options):
    """The fast path's scalars (values and types) are those a collection gives, and its
    commit leaves counters, state and version counters as ``step``'s Python part leaves them."""
    cls = getattr(torch.optim, name)
    for _ in range(3):
        optimizer = _trained(cls, **options)
        plan = FastScalars.build(optimizer)
        assert plan is not None
        scalars, commit = plan.prepare()
        calls, _ = collect(optimizer)  # the Python part ran: counters and versions advanced
        collected = [v for c in calls for v in codegen.flatten([c])[0][2]
                     if not isinstance(v, np.ndarray)]
        assert same_scalars(scalars, collected)
        after_collect = _snapshot(optimizer)
        other = _trained(cls, **options)
        plan = FastScalars.build(other)
        plan.prepare()[1]()
        assert _snapshot(other) == after_collect
        options = dict(options, lr=options["lr"] * 3)  # other values, the same result


def test_scalar_only_path_refuses_what_changed():
    optimizer = _trained(torch.optim.Adam, lr=0.01)
    plan = FastScalars.build(optimizer)
    assert plan.prepare() is not None
    group = optimizer.param_groups[1]
    group["amsgrad"] = True  # selects a buffer the state does not have
    assert plan.prepare() is None
    group["amsgrad"] = False
    assert plan.prepare() is not None
    p = group["params"][0]
    grad = p.grad
    p.grad = None
    assert plan.prepare() is None
    p.grad = grad
    optimizer.state[p]["step"].fill_(7.0)  # counters that disagree within a group
    assert plan.prepare() is None
    assert FastScalars.build(torch.optim.LBFGS([p])) is None  # no scalar-only path


def test_collection_undoes_state_scalars():
    optimizer = _trained(torch.optim.NAdam, lr=0.01)
    before = _snapshot(optimizer)
    calls, undo = collect(optimizer)
    assert _snapshot(optimizer) != before
    undo()
    assert _snapshot(optimizer) == before
