"""NAdam: Adam with Nesterov momentum."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from numbagrad import dtypes
from numbagrad.optim.optimizer import (
    check_betas_eps_wd, check_lr, Optimizer, _new_buffer, _scalar)
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
        values = self._group_values(group)
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
            # Read and written in NumPy (not ``.item()``/``fill_``): the counters are the
            # Python part's own values, so a compiled step can recompute them at each call.
            product_t = state["mu_product"]
            product = self._next_product(values, step, product_t._data.item(),
                                         product_t._data.dtype.type)
            self._put(product_t, product)
            scalars, flags = self._scalars(values, None, (step, product), p._data.dtype)
            jobs.append((p, [state["exp_avg"], state["exp_avg_sq"]], scalars, flags))
        self._update_all("nadam_step", jobs)

    _fast_step_group = _step_group
    _COUNTERS = ("step", "mu_product")

    def _group_values(self, group: dict) -> tuple:
        beta1, beta2 = (_scalar(b) for b in group["betas"])
        flags = (bool(group["maximize"]), bool(group["decoupled_weight_decay"]))
        return (beta1, beta2, _scalar(group["lr"]), _scalar(group["weight_decay"]),
                group["momentum_decay"], flags, group["eps"])

    def _buffer_keys(self, values: tuple) -> tuple:
        return ("exp_avg", "exp_avg_sq")

    @staticmethod
    def _mu(values: tuple, step: float) -> float:
        return values[0] * (1.0 - 0.5 * (0.96 ** (step * values[4])))

    def _next_product(self, values: tuple, step: float, product: float, rounded) -> float:
        """``mu_product *= mu``, rounded to the counter's dtype as torch's in-place product
        is (``rounded``: its NumPy scalar type)."""
        return float(rounded(rounded(product) * rounded(self._mu(values, step))))

    def _counters_next(self, values: tuple, before: list, types: list) -> tuple:
        step = float(types[0](before[0] + 1))
        return step, self._next_product(values, step, before[1], types[1])

    def _scalars(self, values: tuple, before, after: tuple, np_type) -> tuple:
        beta1, beta2, lr, wd, _, flags, eps = values
        step, product = after
        mu = self._mu(values, step)
        mu_next = self._mu(values, step + 1)
        weight = np_type.type(1 - beta1)
        return ((1 - lr * wd, wd, weight, 1 - weight, beta2, 1 - beta2, 1 - beta2 ** step, eps,
                 -lr * (1.0 - mu) / (1.0 - product),
                 (-lr * mu_next) / (1.0 - product * mu_next)), flags)
