"""Stochastic gradient descent, optionally with momentum, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Iterable

from numbagrad.optim.optimizer import Optimizer, _new_buffer, _scalar
from numbagrad.tensor import Tensor


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum).

    Each step, for every parameter ``p`` with a gradient ``g`` (``-g`` when ``maximize``)::

        g = g + weight_decay * p
        b = g                                       (first step)
        b = momentum * b + (1 - dampening) * g      (later steps)
        g = g + momentum * b  if nesterov  else  b  (when momentum != 0)
        p = p - lr * g

    The momentum buffer is kept in ``state[p]["momentum_buffer"]``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float
        Learning rate (default 1e-3).
    momentum : float
        Momentum factor (default 0).
    dampening : float
        Dampening of the momentum (default 0).
    weight_decay : float
        L2 penalty (default 0).
    nesterov : bool
        Use Nesterov momentum (default False).
    maximize : bool
        Maximize the objective instead of minimizing it (default False).
    foreach, differentiable, fused : optional
        Accepted for torch compatibility and recorded in the groups; numbagrad always runs
        fused kernels, each updating up to eight parameters.

    Raises
    ------
    ValueError
        For a negative lr, momentum or weight_decay, or Nesterov without momentum or with
        dampening.

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr, "momentum": momentum, "dampening": dampening,
            "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
            "foreach": foreach, "differentiable": differentiable, "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _step_group(self, group: dict, params: list) -> None:
        """Update ``params`` (the group's parameters that have a gradient)."""
        values = self._group_values(group)
        scalars, flags = self._scalars(values, None, (), None)
        if values[3] == 0:
            self._update_all("sgd_step", [(p, [None], scalars, flags) for p in params])
            return
        nesterov, maximize = values[1], values[2]
        jobs = []
        for p in params:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                # torch starts the buffer as a copy of the first gradient.
                buf = state["momentum_buffer"] = _new_buffer(p, None)
                jobs.append((p, [buf], scalars, (nesterov, maximize, True, True)))
                continue
            jobs.append((p, [buf], scalars, flags))
        self._update_all("sgd_step", jobs)

    _fast_step_group = _step_group
    _COUNTERS = ()

    def _group_values(self, group: dict) -> tuple:
        momentum = _scalar(group["momentum"])
        scalars = (-_scalar(group["lr"]), _scalar(group["weight_decay"]), momentum,
                   1 - _scalar(group["dampening"]))
        return scalars, bool(group["nesterov"]), bool(group["maximize"]), momentum

    def _buffer_keys(self, values: tuple) -> tuple:
        return ("momentum_buffer",) if values[3] != 0 else (None,)

    def _scalars(self, values: tuple, before, after: tuple, np_type) -> tuple:
        # The flags of a parameter whose momentum buffer exists (or that has none).
        return values[0], (values[1], values[2], bool(values[3] != 0), False)
