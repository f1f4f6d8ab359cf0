"""NAdam: Adam with Nesterov momentum."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from numbagrad import dtypes
from numbagrad.optim.optimizer import (check_betas_eps_wd, check_lr, Optimizer, _new_buffer, _scalar)
from numbagrad.tensor import Tensor


class NAdam(Optimizer):
    r"""NAdam: Adam with Nesterov momentum and a momentum schedule.

    Each step ``t`` (counted per parameter from 1), for every parameter ``p`` with a gradient
    ``g`` (``-g`` when ``maximize``), with ``mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))``
    and ``P_t = mu_1 * ... * mu_t``::

        g = g + weight_decay * p                  (or p = p * (1 - lr * weight_decay), decoupled)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P_t) * g / denom
        p = p - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / denom

    State: ``step`` and ``mu_product`` (0-d float tensors), ``exp_avg`` (m), ``exp_avg_sq`` (v).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float
        Learning rate (default 2e-3).
    betas : tuple of float
        Decay rates of the moment averages (default (0.9, 0.999)).
    eps : float
        Added to the denominator (default 1e-8).
    weight_decay : float
        L2 penalty, or the decoupled decay rate (default 0).
    momentum_decay : float
        Decay of the momentum schedule (default 4e-3).
    decoupled_weight_decay : bool
        Decay the parameters directly, as AdamW does (NAdamW; default False).
    foreach, maximize, capturable, differentiable : optional
        ``maximize`` maximizes the objective; the others are recorded in the groups.

    Raises
    ------
    ValueError
        For a negative lr, eps, weight_decay or momentum_decay, or a beta outside [0, 1).

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.NAdam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w.detach()
    tensor([ 0.8944, -1.8944])
    """

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_betas_eps_wd(betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize, "foreach": foreach, "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _step_group(self, group: dict, params: list) -> None:
        """Update ``params`` (the group's parameters that have a gradient)."""
        beta1, beta2 = (_scalar(b) for b in group["betas"])
        lr, wd = _scalar(group["lr"]), _scalar(group["weight_decay"])
        momentum_decay = group["momentum_decay"]
        flags = (bool(group["maximize"]), bool(group["decoupled_weight_decay"]))
        jobs = []
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["mu_product"] = Tensor._make(
                    np.ones((), dtypes.get_default_dtype().np_type))
                state["exp_avg"] = _new_buffer(p)
                state["exp_avg_sq"] = _new_buffer(p)
            step = self._advance(state["step"])
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            # mu_product *= mu, rounded to the counter's dtype as torch's in-place product is.
            product_t = state["mu_product"]
            rounded = product_t._data.dtype.type
            product_t.fill_(float(rounded(rounded(product_t.item()) * rounded(mu))))
            product = product_t.item()
            weight = p._data.dtype.type(1 - beta1)
            jobs.append((
                p, [state["exp_avg"], state["exp_avg_sq"]],
                (1 - lr * wd, wd, weight, 1 - weight, beta2, 1 - beta2, 1 - beta2 ** step,
                 group["eps"], -lr * (1.0 - mu) / (1.0 - product),
                 (-lr * mu_next) / (1.0 - product * mu_next)),
                flags,
            ))
        self._update_all("nadam_step", jobs)
