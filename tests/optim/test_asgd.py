"""ASGD against torch: every option, 20 steps, parameters and state (eta, mu, ax) after each."""
import numpy as np
import pytest

import numbagrad
from tests.optim.trajectory import compare_with_torch

OPTIONS = [
    {},
    {"lr": 0.05, "lambd": 0.01, "alpha": 0.5},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "maximize": True},
    # t0 small: averaging (mu < 1) starts within the run.
    {"lr": 0.05, "t0": 5, "lambd": 0.001},
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_asgd_matches_torch(options):
    torch = pytest.importorskip("torch")
    ng_opt, t_opt, _, _ = compare_with_torch(
        torch, lambda ps: numbagrad.optim.ASGD(ps, **options),
        lambda ps: torch.optim.ASGD(ps, **options), steps=20)
    assert repr(ng_opt) == repr(t_opt)
    assert ng_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


def test_asgd_matches_torch_in_float64():
    torch = pytest.importorskip("torch")
    options = {"lr": 0.05, "t0": 3, "weight_decay": 0.01}
    compare_with_torch(torch, lambda ps: numbagrad.optim.ASGD(ps, **options),
                       lambda ps: torch.optim.ASGD(ps, **options), dtype=np.float64,
                       rtol=1e-12, atol=1e-12, steps=20)


def test_asgd_rejects_invalid_arguments():
    w = numbagrad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="^Invalid weight_decay value: -1$"):
        numbagrad.optim.ASGD([w], weight_decay=-1)
    with pytest.raises(ValueError, match="^Invalid learning rate: -1$"):
        numbagrad.optim.ASGD([w], lr=-1)
