"""A torch optimizer's state_dict loads into the numbagrad optimizer of the same name, which
then continues torch's trajectory (same state keys, state names and group entries)."""
import numpy as np
import pytest

import numbagrad
from tests.optim.trajectory import assert_state_close, loss_of, make_problem

CASES = [
    ("Adadelta", {"lr": 0.5}),
    ("Adamax", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.05, "betas": (0.9, 0.9)}),
    ("ASGD", {"lr": 0.05, "t0": 3}),
    ("Rprop", {"lr": 0.05}),
]


def _to_numbagrad(value):
    if hasattr(value, "detach"):
        return numbagrad.tensor(value.detach().numpy().copy())
    if isinstance(value, dict):
        return {k: _to_numbagrad(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_numbagrad(v) for v in value]
    return value


def _step(lib, opt, params, xs, ys):
    opt.zero_grad()
    loss_of(lib, params, xs, ys).backward()
    opt.step()


@pytest.mark.parametrize("name, options", CASES, ids=[c[0] for c in CASES])
def test_torch_state_dict_loads_and_training_continues(name, options):
    torch = pytest.importorskip("torch")
    inits, data = make_problem(1, 10)
    t_params = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    t_opt = getattr(torch.optim, name)(t_params, **options)
    for xs, ys in data[:5]:
        _step(torch, t_opt, t_params, xs, ys)
    ng_params = [numbagrad.tensor(p.detach().numpy().copy(), requires_grad=True)
                 for p in t_params]
    ng_opt = getattr(numbagrad.optim, name)(ng_params, lr=123.0)
    ng_opt.load_state_dict(_to_numbagrad(t_opt.state_dict()))
    assert ng_opt.param_groups[0]["lr"] == options["lr"]
    for xs, ys in data[5:]:
        _step(torch, t_opt, t_params, xs, ys)
        _step(numbagrad, ng_opt, ng_params, xs, ys)
        for a, b in zip(ng_params, t_params):
            np.testing.assert_allclose(np.asarray(a.detach()), b.detach().numpy(), rtol=1e-5,
                                       atol=1e-6)
            assert_state_close(ng_opt.state[a], t_opt.state[b], 1e-5, 1e-6)
