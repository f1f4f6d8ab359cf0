"""Run a numbagrad optimizer and torch's side by side and compare parameters and state.

Both start from the same float32 parameters and see the same data each step; the gradients come
from the same small loss, ``sum_i ((p_i * x_i - y_i) ** 2).sum()``, computed by each library.
"""
from __future__ import annotations

import numpy as np

import numbagrad

SHAPES = ((3, 4), (5,), ())


def make_problem(seed: int = 0, steps: int = 25, dtype=np.float32, shapes=SHAPES):
    """Initial parameters and the per-step data ``[(xs, ys), ...]`` as NumPy arrays."""
    rng = np.random.default_rng(seed)
    inits = [rng.standard_normal(s).astype(dtype) for s in shapes]
    data = [([rng.standard_normal(s).astype(dtype) for s in shapes],
             [rng.standard_normal(s).astype(dtype) for s in shapes]) for _ in range(steps)]
    return inits, data


def loss_of(lib, params, xs, ys):
    """The problem's loss in ``lib`` (numbagrad or torch)."""
    total = None
    for p, x, y in zip(params, xs, ys):
        term = ((p * lib.tensor(x) - lib.tensor(y)) ** 2).sum()
        total = term if total is None else total + term
    return total


def assert_state_close(ng_state: dict, t_state: dict, rtol: float, atol: float) -> None:
    assert sorted(ng_state) == sorted(t_state)
    for key, t_value in t_state.items():
        ng_value = ng_state[key]
        assert ng_value.dtype.name == str(t_value.dtype).replace("torch.", ""), key
        np.testing.assert_allclose(np.asarray(ng_value), t_value.detach().numpy(), rtol=rtol,
                                   atol=atol, err_msg=key)


def compare_with_torch(torch, make_ng, make_torch, *, steps: int = 25, seed: int = 0,
                       dtype=np.float32, rtol: float = 1e-5, atol: float = 1e-6,
                       set_to_none: bool = True):
    """Step both optimizers ``steps`` times, checking parameters and state after every step.

    ``make_ng(params)`` / ``make_torch(params)`` build the optimizers from a list of leaf
    tensors. Returns the two optimizers and their parameter lists.
    """
    inits, data = make_problem(seed, steps, dtype)
    ng_params = [numbagrad.tensor(a.copy(), requires_grad=True) for a in inits]
    t_params = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    ng_opt, t_opt = make_ng(ng_params), make_torch(t_params)
    for step, (xs, ys) in enumerate(data):
        ng_opt.zero_grad(set_to_none)
        t_opt.zero_grad(set_to_none)
        loss_of(numbagrad, ng_params, xs, ys).backward()
        loss_of(torch, t_params, xs, ys).backward()
        ng_opt.step()
        t_opt.step()
        for i, (a, b) in enumerate(zip(ng_params, t_params)):
            np.testing.assert_allclose(np.asarray(a.detach()), b.detach().numpy(), rtol=rtol,
                                       atol=atol, err_msg=f"parameter {i} after step {step + 1}")
            assert_state_close(ng_opt.state[a], t_opt.state[b], rtol, atol)
    return ng_opt, t_opt, ng_params, t_params
