"""NAdam against torch: every option, 20 steps, parameters and state after each."""
import numpy as np
import pytest

import numbagrad
from tests.optim.trajectory import compare_with_torch

OPTIONS = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
    {"lr": 0.05, "momentum_decay": 0.01, "maximize": True},
    {"lr": 0.05, "betas": (0.3, 0.9), "eps": 1e-6},
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_nadam_matches_torch(options):
    torch = pytest.importorskip("torch")
    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: numbagrad.optim.NAdam(ps, **options),
        lambda ps: torch.optim.NAdam(ps, **options), steps=20)
    assert repr(ng_opt) == repr(t_opt)
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


def test_nadam_matches_torch_in_float64():
    torch = pytest.importorskip("torch")
    options = {"lr": 0.05, "weight_decay": 0.01}
    compare_with_torch(torch, lambda ps: numbagrad.optim.NAdam(ps, **options),
                       lambda ps: torch.optim.NAdam(ps, **options), dtype=np.float64,
                       rtol=1e-12, atol=1e-12, steps=20)


def test_nadam_state_names():
    w = numbagrad.tensor([1.0, -2.0], requires_grad=True)
    opt = numbagrad.optim.NAdam([w])
    (w * w).sum().backward()
    opt.step()
    assert list(opt.state[w]) == ["step", "mu_product", "exp_avg", "exp_avg_sq"]
    assert opt.state[w]["mu_product"].shape == () and opt.state[w]["step"].item() == 1.0


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"momentum_decay": -1}, "Invalid momentum_decay value: -1"),
    ({"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
])
def test_nadam_rejects_invalid_arguments(kwargs, message):
    w = numbagrad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=f"^{message}$"):
        numbagrad.optim.NAdam([w], **kwargs)
