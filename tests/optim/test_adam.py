"""Adam and AdamW against torch 2.x: every option, over many steps, parameters and state."""
import numpy as np
import pytest

import numbagrad
from tests.optim.trajectory import compare_with_torch

ADAM_OPTIONS = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "amsgrad": True},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "maximize": True},
    # beta1 <= 0.5 takes lerp's other branch (weight >= 0.5).
    {"lr": 0.05, "betas": (0.3, 0.9), "eps": 1e-6},
    {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
    {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.05, "amsgrad": True, "maximize": True},
]

ADAMW_OPTIONS = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True},
    {"lr": 0.05, "betas": (0.5, 0.9), "maximize": True},
]


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=str)
def test_adam_matches_torch(options):
    torch = pytest.importorskip("torch")
    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: numbagrad.optim.Adam(ps, **options),
        lambda ps: torch.optim.Adam(ps, **options))
    assert repr(ng_opt) == repr(t_opt)
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


@pytest.mark.parametrize("options", ADAMW_OPTIONS, ids=str)
def test_adamw_matches_torch(options):
    torch = pytest.importorskip("torch")
    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: numbagrad.optim.AdamW(ps, **options),
        lambda ps: torch.optim.AdamW(ps, **options))
    assert repr(ng_opt) == repr(t_opt)
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


def test_adam_matches_torch_in_float64():
    torch = pytest.importorskip("torch")
    options = {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}
    compare_with_torch(torch, lambda ps: numbagrad.optim.Adam(ps, **options),
                       lambda ps: torch.optim.Adam(ps, **options), dtype=np.float64,
                       rtol=1e-12, atol=1e-12)


def test_adam_state_names_and_step_counter():
    w = numbagrad.tensor([1.0, -2.0], requires_grad=True)
    opt = numbagrad.optim.Adam([w], lr=0.1, amsgrad=True)
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    state = opt.state[w]
    assert list(state) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    assert state["step"].dtype == numbagrad.float32 and state["step"].shape == ()
    assert state["step"].item() == 3.0
    assert state["exp_avg"].device == w.device


def test_adamw_defaults_decouple_weight_decay():
    w = numbagrad.tensor([1.0], requires_grad=True)
    opt = numbagrad.optim.AdamW([w])
    group = opt.param_groups[0]
    assert group["weight_decay"] == 1e-2 and group["decoupled_weight_decay"] is True
    assert group["lr"] == 1e-3 and group["betas"] == (0.9, 0.999) and group["eps"] == 1e-8


@pytest.mark.parametrize("cls", [numbagrad.optim.Adam, numbagrad.optim.AdamW])
@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ({"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ({"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
])
def test_adam_rejects_invalid_arguments(cls, kwargs, message):
    w = numbagrad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=f"^{message}$"):
        cls([w], **kwargs)
