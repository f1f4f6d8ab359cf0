"""Adamax: Adam with the infinity norm of the gradients."""
from __future__ import annotations

from typing import Iterable

from numbagrad.optim.optimizer import (
    check_betas_eps_wd, check_lr, Optimizer, _new_buffer, _scalar)


class Adamax(Optimizer):
    r"""Adamax: a variant of Adam based on the infinity norm.

    Each step ``t`` (counted per parameter from 1), for every parameter ``p`` with a gradient
    ``g`` (``-g`` when ``maximize``)::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    State: ``step`` (a 0-d float tensor), ``exp_avg`` (m) and ``exp_inf`` (u).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float
        Learning rate (default 2e-3).
    betas : tuple of float
        Decay rates of the average and of the infinity norm (default (0.9, 0.999)).
    eps : float
        Added to the infinity norm (default 1e-8).
    weight_decay : float
        L2 penalty (default 0).
    foreach : bool, optional
        Accepted for torch compatibility and recorded in the groups.
    maximize, differentiable, capturable : bool
        ``maximize`` maximizes the objective; the others are recorded in the groups.

    Raises
    ------
    ValueError
        For a negative lr, eps or weight_decay, or a beta outside [0, 1).

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.Adamax([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w.detach()
    tensor([ 0.9000, -1.9000])
    """

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_lr(lr)
        check_betas_eps_wd(betas, eps, weight_decay)
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
            "capturable": capturable,
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
                state["exp_inf"] = _new_buffer(p)
            step = self._advance(state["step"])
            scalars, flags = self._scalars(values, None, (step,), p._data.dtype)
            jobs.append((p, [state["exp_avg"], state["exp_inf"]], scalars, flags))
        self._update_all("adamax_step", jobs)

    _fast_step_group = _step_group

    def _group_values(self, group: dict) -> tuple:
        beta1, beta2 = (_scalar(b) for b in group["betas"])
        return (beta1, beta2, _scalar(group["lr"]), _scalar(group["weight_decay"]), group["eps"],
                (bool(group["maximize"]),))

    def _buffer_keys(self, values: tuple) -> tuple:
        return ("exp_avg", "exp_inf")

    def _scalars(self, values: tuple, before, after: tuple, np_type) -> tuple:
        beta1, beta2, lr, wd, eps, flags = values
        weight = np_type.type(1 - beta1)
        clr = lr / (1 - beta1 ** after[0])
        return (wd, weight, 1 - weight, beta2, eps, -clr), flags
