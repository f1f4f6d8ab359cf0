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
        values = self._group_values(group)
        jobs = []
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["eta"] = _scalar_tensor(values[0])
                state["mu"] = _scalar_tensor(1.0)
                state["ax"] = _new_buffer(p)
            step = self._advance(state["step"])
            # Read and written in NumPy (not ``.item()``/``fill_``): the counters are the
            # Python part's own values, so a compiled step can recompute them at each call.
            eta_t, mu_t = state["eta"], state["mu"]
            before = (None, eta_t._data.item(), mu_t._data.item())
            scalars, flags = self._scalars(values, before, None, None)
            jobs.append((p, [state["ax"]], scalars, flags))
            eta, mu = self._eta_mu(values, step)
            self._put(eta_t, eta)
            self._put(mu_t, mu)
        self._update_all("asgd_step", jobs)

    _fast_step_group = _step_group
    _COUNTERS = ("step", "eta", "mu")

    def _group_values(self, group: dict) -> tuple:
        lr, lambd, alpha, t0 = (_scalar(group[k]) for k in ("lr", "lambd", "alpha", "t0"))
        return lr, lambd, alpha, t0, _scalar(group["weight_decay"]), bool(group["maximize"])

    def _buffer_keys(self, values: tuple) -> tuple:
        return ("ax",)

    @staticmethod
    def _eta_mu(values: tuple, step: float) -> tuple:
        """The next ``eta`` and ``mu`` as ``t.copy_(torch.as_tensor(value))`` hands them to
        the state: rounded to the default dtype first."""
        lr, lambd, alpha, t0 = values[:4]
        rounded = dtypes.get_default_dtype().np_type.type
        return (float(rounded(lr / ((1 + lambd * lr * step) ** alpha))),
                float(rounded(1 / max(1, step - t0))))

    def _counters_next(self, values: tuple, before: list, types: list) -> tuple:
        step = float(types[0](before[0] + 1))
        eta, mu = self._eta_mu(values, step)
        return step, float(types[1](eta)), float(types[2](mu))

    def _scalars(self, values: tuple, before, after, np_type) -> tuple:
        eta, mu = before[1], before[2]
        return (values[4], 1 - values[1] * eta, -eta, mu), (values[5], mu != 1)
