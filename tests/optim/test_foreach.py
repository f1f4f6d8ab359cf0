"""Several parameters per kernel call (``<name>_foreach``): the same updates as one at a time."""
import numpy as np
import pytest

import numbagrad
from numbagrad.backends.cpu import optim as kernels
from tests.optim.test_optimizer import ALL


def _params(rng):
    """Eleven parameters (a chunk of eight, then three padded to four) of two dtypes, with a
    non-contiguous one and a 0-d one in the middle."""
    shapes = [(3, 4), (4,), (), (2, 3, 2), (5,), (1,), (6, 2), (3,), (2, 2), (7,), (4, 3)]
    params = []
    for i, shape in enumerate(shapes):
        dtype = np.float64 if i in (4, 9) else np.float32
        data = rng.standard_normal(shape).astype(dtype)
        if i == 6:
            data = np.asfortranarray(data)  # a transposed layout: updated through a copy
        params.append(numbagrad.nn.Parameter(numbagrad.from_numpy(data)))
    return params


def _grads(rng, params):
    return [rng.standard_normal(p.shape).astype(p.detach().numpy().dtype) for p in params]


def _run(name, params, grads_per_step, one_at_a_time: bool, skip=None):
    groups = [{"params": [p]} for p in params] if one_at_a_time else [{"params": params}]
    opt = getattr(numbagrad.optim, name)(groups, **ALL[name])
    for step, grads in enumerate(grads_per_step):
        for i, (p, g) in enumerate(zip(params, grads)):
            p.grad = None if skip and (step, i) in skip else numbagrad.from_numpy(g.copy())
        opt.step()
    return opt


@pytest.mark.parametrize("name", ALL)
def test_a_group_updates_as_each_parameter_alone(name):
    rng = np.random.default_rng(0)
    together, alone = _params(rng), None
    alone = [numbagrad.nn.Parameter(p.detach().clone()) for p in together]
    grads = [_grads(rng, together) for _ in range(3)]
    # Parameter 2 has no gradient at the first step, parameter 5 none at the second: their
    # step counts and first-step flags then differ from the others'.
    skip = {(0, 2), (1, 5)}
    _run(name, together, grads, False, skip)
    _run(name, alone, grads, True, skip)
    for a, b in zip(together, alone):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_versions_of_parameters_and_buffers_are_bumped():
    params = _params(np.random.default_rng(1))
    opt = numbagrad.optim.SGD(params, lr=0.1, momentum=0.9)
    for p in params:
        p.grad = numbagrad.ones_like(p)
    opt.step()
    before = [p._version.value for p in params]
    buffers = [opt.state[p]["momentum_buffer"]._version.value for p in params]
    opt.step()
    assert [p._version.value for p in params] == [v + 1 for v in before]
    assert [opt.state[p]["momentum_buffer"]._version.value for p in params] == [
        v + 1 for v in buffers]


def test_foreach_kernel_updates_each_item():
    f32 = np.float32
    params = [np.ones(3, f32), np.full(2, 2.0, f32)]
    grads = [np.full(3, 0.5, f32), np.ones(2, f32)]
    empty = np.empty(0, f32)
    kernels.sgd_foreach(tuple((p, g, empty) for p, g in zip(params, grads)), f32(-0.1), f32(0),
                        f32(0), f32(1), False, False, False, False)
    np.testing.assert_array_equal(params[0], np.full(3, f32(1) - f32(0.1) * f32(0.5)))
    np.testing.assert_array_equal(params[1], np.full(2, f32(2) - f32(0.1)))


def test_chunks_of_eight_padded_and_a_copy_for_the_non_contiguous(monkeypatch):
    from numbagrad.optim import optimizer

    lengths, alone = [], []
    real = kernels.sgd_foreach
    monkeypatch.setattr(optimizer, "_foreach_kernels", {})
    monkeypatch.setattr(kernels, "sgd_foreach",
                        lambda items, *a: lengths.append(len(items)) or real(items, *a))
    update = optimizer.Optimizer._update
    monkeypatch.setattr(optimizer.Optimizer, "_update",
                        staticmethod(lambda name, p, *a: alone.append(p) or update(name, p, *a)))
    params = _params(np.random.default_rng(2))
    for p in params:
        p.grad = numbagrad.ones_like(p)
    numbagrad.optim.SGD(params, lr=0.1).step()
    # Runs of one dtype: float32 parameters 0-3, float64 4, float32 5, 7 and 8 (padded to four),
    # float64 9, float32 10. Parameter 6 is F-ordered: it goes alone, through a copy.
    assert alone == [params[6]]
    assert lengths == [4, 1, 4, 1, 1]
    lengths.clear()
    same = [numbagrad.nn.Parameter(numbagrad.ones(i + 1)) for i in range(11)]
    for p in same:
        p.grad = numbagrad.ones_like(p)
    numbagrad.optim.SGD(same, lr=0.5).step()
    assert lengths == [8, 4]
    for p in same:
        np.testing.assert_array_equal(p.detach().numpy(), 0.5)
