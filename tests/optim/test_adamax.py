"""Adamax against torch: every option, 20 steps, parameters and state after each."""
import numpy as np
import pytest

import numbagrad
from tests.optim.trajectory import compare_with_torch

OPTIONS = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "maximize": True},
    # beta1 <= 0.5 takes lerp's other branch.
    {"lr": 0.05, "betas": (0.3, 0.9), "eps": 1e-3},
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_adamax_matches_torch(options):
    torch = pytest.importorskip("torch")
    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: numbagrad.optim.Adamax(ps, **options),
        lambda ps: torch.optim.Adamax(ps, **options), steps=20)
    assert repr(ng_opt) == repr(t_opt)
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


def test_adamax_matches_torch_in_float64():
    torch = pytest.importorskip("torch")
    options = {"lr": 0.05, "weight_decay": 0.01}
    compare_with_torch(torch, lambda ps: numbagrad.optim.Adamax(ps, **options),
                       lambda ps: torch.optim.Adamax(ps, **options), dtype=np.float64,
                       rtol=1e-12, atol=1e-12, steps=20)


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ({"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ({"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
])
def test_adamax_rejects_invalid_arguments(kwargs, message):
    w = numbagrad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=f"^{message}$"):
        numbagrad.optim.Adamax([w], **kwargs)
