"""RAdam: Adam with a rectified adaptive learning rate."""
from __future__ import annotations

from typing import Iterable

from numbagrad.optim.optimizer import (
    check_betas_eps_wd, check_lr, Optimizer, _new_buffer, _scalar)


class RAdam(Optimizer):
    r"""RAdam: rectified Adam.

    Each step ``t`` (counted per parameter from 1), for every parameter ``p`` with a gradient
    ``g`` (``-g`` when ``maximize``), with ``rho_inf = 2 / (1 - beta2) - 1`` and
    ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)``::

        g = g + weight_decay * p                  (or p = p * (1 - lr * weight_decay), decoupled)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        u = m / (1 - beta1**t) * lr
        u = u * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r_t    (when rho_t > 5)
        p = p - u

    where ``r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))``.
    State: ``step`` (a 0-d float tensor), ``exp_avg`` (m) and ``exp_avg_sq`` (v).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float
        Learning rate (default 1e-3).
    betas : tuple of float
        Decay rates of the moment averages (default (0.9, 0.999)).
    eps : float
        Added to the denominator (default 1e-8).
    weight_decay : float
        L2 penalty, or the decoupled decay rate (default 0).
    decoupled_weight_decay : bool
        Decay the parameters directly, as AdamW does (default False).
    foreach, maximize, capturable, differentiable : optional
        ``maximize`` maximizes the objective; the others are recorded in the groups.

    Raises
    ------
    ValueError
        For a negative lr, eps or weight_decay, or a beta outside [0, 1).

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.RAdam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w.detach()
    tensor([ 0.8000, -1.6000])
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_betas_eps_wd(betas, eps, weight_decay)
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "maximize": maximize, "foreach": foreach, "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay, "differentiable": differentiable,
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
                state["exp_avg"] = _new_buffer(p)
                state["exp_avg_sq"] = _new_buffer(p)
            step = self._advance(state["step"])
            scalars, flags = self._scalars(values, None, (step,), p._data.dtype)
            jobs.append((p, [state["exp_avg"], state["exp_avg_sq"]], scalars, flags))
        self._update_all("radam_step", jobs)

    _fast_step_group = _step_group

    def _group_values(self, group: dict) -> tuple:
        beta1, beta2 = (_scalar(b) for b in group["betas"])
        lr, wd = _scalar(group["lr"]), _scalar(group["weight_decay"])
        maximize, decoupled = bool(group["maximize"]), bool(group["decoupled_weight_decay"])
        rho_inf = 2 / (1 - beta2) - 1
        return beta1, beta2, lr, wd, maximize, decoupled, rho_inf, group["eps"]

    def _buffer_keys(self, values: tuple) -> tuple:
        return ("exp_avg", "exp_avg_sq")

    def _scalars(self, values: tuple, before, after: tuple, np_type) -> tuple:
        beta1, beta2, lr, wd, maximize, decoupled, rho_inf, eps = values
        step = after[0]
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        rectified = rho_t > 5.0
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5 if rectified else 0.0
        weight = np_type.type(1 - beta1)
        return ((1 - lr * wd, wd, weight, 1 - weight, beta2, 1 - beta2, bias_correction1, lr,
                 bias_correction2 ** 0.5, eps, rect), (maximize, decoupled, rectified))
