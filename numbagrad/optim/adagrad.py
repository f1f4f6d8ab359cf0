"""Adagrad: per-element learning rates shrinking with the sum of squared gradients."""
from __future__ import annotations

from typing import Iterable

from numbagrad.optim.optimizer import Optimizer, _new_buffer, _scalar
from numbagrad.tensor import Tensor


class Adagrad(Optimizer):
    r"""Adagrad.

    Each step ``t`` (counted per parameter from 1), for every parameter ``p`` with a gradient
    ``g`` (``-g`` when ``maximize``)::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (sqrt(s) + eps)

    State: ``step`` and ``sum`` (s, starting at ``initial_accumulator_value``), created for
    every parameter when the optimizer is built, as torch does.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float
        Learning rate (default 1e-2).
    lr_decay : float
        Learning-rate decay per step (default 0).
    weight_decay : float
        L2 penalty (default 0).
    initial_accumulator_value : float
        Starting value of the sum of squares (default 0).
    eps : float
        Added to the denominator (default 1e-10).
    foreach : optional
        Accepted for torch compatibility.
    maximize : bool
        Maximize the objective (default False).
    differentiable, fused : optional
        Accepted for torch compatibility.

    Raises
    ------
    ValueError
        For a negative lr, lr_decay, weight_decay, initial_accumulator_value or eps.

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable, "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Tensor) -> dict:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = self._new_step()
            # torch reads the default, not the group's value, for the starting sum.
            state["sum"] = _new_buffer(p, self.defaults["initial_accumulator_value"])
        return state

    def _step_group(self, group: dict, params: list) -> None:
        """Update ``params`` (the group's parameters that have a gradient)."""
        values = self._group_values(group)
        jobs = []
        for p in params:
            state = self._init_state(p)
            step = self._advance(state["step"])
            scalars, flags = self._scalars(values, None, (step,), None)
            jobs.append((p, [state["sum"]], scalars, flags))
        self._update_all("adagrad_step", jobs)

    _fast_step_group = _step_group

    def _group_values(self, group: dict) -> tuple:
        return (_scalar(group["lr"]), _scalar(group["lr_decay"]), (bool(group["maximize"]),),
                _scalar(group["weight_decay"]), group["eps"])

    def _buffer_keys(self, values: tuple) -> tuple:
        return ("sum",)

    def _scalars(self, values: tuple, before, after: tuple, np_type) -> tuple:
        lr, lr_decay, flags, wd, eps = values
        clr = lr / (1 + (after[0] - 1) * lr_decay)
        return (-clr, wd, eps), flags
