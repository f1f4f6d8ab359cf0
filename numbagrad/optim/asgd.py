"""ASGD: averaged stochastic gradient descent."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from numbagrad import dtypes
from numbagrad.optim.optimizer import check_lr, Optimizer, _new_buffer, _scalar
from numbagrad.tensor import Tensor


def _scalar_tensor(value: float) -> Tensor:
    """A 0-d tensor of the default float dtype holding ``value`` (rounded to it)."""
    return Tensor._make(np.array(value, dtypes.get_default_dtype().np_type))


def _set(t: Tensor, value: float) -> None:
    """``t.copy_(torch.as_tensor(value))`` for a 0-d state tensor: ``value`` rounded to the
    default dtype first, as ``as_tensor`` rounds it, then to ``t``'s."""
    t.fill_(float(dtypes.get_default_dtype().np_type.type(value)))


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent.

    Each step ``t`` (counted per parameter from 1), for every parameter ``p`` with a gradient
    ``g`` (``-g`` when ``maximize``)::

        g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + (p - ax) * mu      (ax = p while mu == 1)
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)

    State: ``step``, ``eta`` and ``mu`` (0-d float tensors) and ``ax`` (the average).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float
        Learning rate (default 1e-2).
    lambd : float
        Decay term (default 1e-4).
    alpha : float
        Power of the eta update (default 0.75).
    t0 : float
        Step at which averaging starts (default 1e6).
    weight_decay : float
        L2 penalty (default 0).
    foreach, maximize, differentiable, capturable : optional
        ``maximize`` maximizes the objective; the others are recorded in the groups.

    Raises
    ------
    ValueError
        For a negative lr or weight_decay.

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.ASGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w.detach()
    tensor([ 0.8000, -1.6000])
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
            "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _step_group(self, group: dict, params: list) -> None:
        """Update ``params`` (the group's parameters that have a gradient)."""
        lr, lambd, alpha, t0 = (_scalar(group[k]) for k in ("lr", "lambd", "alpha", "t0"))
        wd = _scalar(group["weight_decay"])
        maximize = bool(group["maximize"])
        jobs = []
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["eta"] = _scalar_tensor(lr)
                state["mu"] = _scalar_tensor(1.0)
                state["ax"] = _new_buffer(p)
            step = self._advance(state["step"])
            eta = state["eta"].item()
            mu = state["mu"].item()
            jobs.append((p, [state["ax"]], (wd, 1 - lambd * eta, -eta, mu),
                         (maximize, mu != 1)))
            _set(state["eta"], lr / ((1 + lambd * lr * step) ** alpha))
            _set(state["mu"], 1 / max(1, step - t0))
        self._update_all("asgd_step", jobs)
