"""Adagrad against torch 2.x: every option, over many steps, parameters and state."""
import numpy as np
import pytest

import numbagrad
from tests.optim.trajectory import compare_with_torch

OPTIONS = [
    {},
    {"lr": 0.1, "lr_decay": 0.05},
    {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.1, "initial_accumulator_value": 0.5},
    {"lr": 0.1, "maximize": True, "eps": 1e-6},
    {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1,
     "maximize": True},
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_adagrad_matches_torch(options):
    torch = pytest.importorskip("torch")
    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: numbagrad.optim.Adagrad(ps, **options),
        lambda ps: torch.optim.Adagrad(ps, **options))
    assert repr(ng_opt) == repr(t_opt)
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


def test_adagrad_creates_state_at_construction():
    w = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    opt = numbagrad.optim.Adagrad([w], initial_accumulator_value=0.25)
    assert opt.state[w]["step"].item() == 0.0
    np.testing.assert_array_equal(np.asarray(opt.state[w]["sum"]), [0.25, 0.25])


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"lr_decay": -1}, "Invalid lr_decay value: -1"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ({"initial_accumulator_value": -1}, "Invalid initial_accumulator_value value: -1"),
    ({"eps": -1}, "Invalid epsilon value: -1"),
])
def test_adagrad_rejects_invalid_arguments(kwargs, message):
    w = numbagrad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=f"^{message}$"):
        numbagrad.optim.Adagrad([w], **kwargs)
