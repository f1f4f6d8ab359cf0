"""Adadelta: an adaptive learning-rate method."""
from __future__ import annotations

from typing import Iterable

from numbagrad.optim.optimizer import check_lr, Optimizer, _new_buffer, _scalar


class Adadelta(Optimizer):
    r"""Adadelta.

    Each step, for every parameter ``p`` with a gradient ``g`` (``-g`` when ``maximize``)::

        g = g + weight_decay * p
        s = rho * s + (1 - rho) * g * g
        delta = sqrt(d + eps) / sqrt(s + eps) * g
        d = rho * d + (1 - rho) * delta * delta
        p = p - lr * delta

    State: ``step`` (a 0-d float tensor), ``square_avg`` (s) and ``acc_delta`` (d).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float
        Coefficient of the delta (default 1.0).
    rho : float
        Decay rate of the running averages (default 0.9).
    eps : float
        Added inside the square roots (default 1e-6).
    weight_decay : float
        L2 penalty (default 0).
    foreach : bool, optional
        Accepted for torch compatibility and recorded in the groups.
    capturable, maximize, differentiable : bool
        ``maximize`` maximizes the objective; the others are recorded in the groups.

    Raises
    ------
    ValueError
        For a negative lr, eps or weight_decay, or rho outside [0, 1].

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.Adadelta([w])
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w.detach()
    tensor([ 0.9968, -1.9968])
    """

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
            "maximize": maximize, "capturable": capturable, "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _step_group(self, group: dict, params: list) -> None:
        """Update ``params`` (the group's parameters that have a gradient)."""
        values = self._group_values(group)
        scalars, flags = self._scalars(values, None, None, None)
        jobs = []
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["square_avg"] = _new_buffer(p)
                state["acc_delta"] = _new_buffer(p)
            self._advance(state["step"])
            jobs.append((p, [state["square_avg"], state["acc_delta"]], scalars, flags))
        self._update_all("adadelta_step", jobs)

    _fast_step_group = _step_group

    def _group_values(self, group: dict) -> tuple:
        rho = _scalar(group["rho"])
        return ((-_scalar(group["lr"]), _scalar(group["weight_decay"]), rho, 1 - rho,
                 _scalar(group["eps"])), (bool(group["maximize"]),))

    def _buffer_keys(self, values: tuple) -> tuple:
        return ("square_avg", "acc_delta")

    def _scalars(self, values: tuple, before, after, np_type) -> tuple:
        return values
