"""Rprop: resilient backpropagation."""
from __future__ import annotations

from typing import Iterable

from numbagrad.optim.optimizer import check_lr, Optimizer, _new_buffer, _scalar


class Rprop(Optimizer):
    r"""Resilient backpropagation: a per-element step size driven by the gradient's sign.

    Each step, for every parameter ``p`` with a gradient ``g`` (``-g`` when ``maximize``) and
    every element::

        step_size = step_size * etaplus    where g * prev > 0
        step_size = step_size * etaminus   where g * prev < 0, and there g = 0
        step_size = clamp(step_size, step_size_min, step_size_max)
        p = p - sign(g) * step_size
        prev = g

    State: ``step`` (a 0-d float tensor), ``prev`` and ``step_size`` (starting at ``lr``).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float
        Initial step size (default 1e-2).
    etas : tuple of float
        ``(etaminus, etaplus)``: the factors of the step size (default (0.5, 1.2)).
    step_sizes : tuple of float
        ``(min, max)`` step sizes (default (1e-6, 50)).
    capturable, foreach, maximize, differentiable : optional
        ``maximize`` maximizes the objective; the others are recorded in the groups.

    Raises
    ------
    ValueError
        For a negative lr, or etas not with ``0 < etaminus < 1 < etaplus``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.Rprop([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w.detach()
    tensor([ 0.9000, -1.9000])
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, etas: tuple = (0.5, 1.2),
                 step_sizes: tuple = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {
            "lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable, "capturable": capturable,
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
                state["prev"] = _new_buffer(p)
                state["step_size"] = _new_buffer(p, _scalar(group["lr"]))
            self._advance(state["step"])
            jobs.append((p, [state["prev"], state["step_size"]], scalars, flags))
        self._update_all("rprop_step", jobs)

    _fast_step_group = _step_group

    def _group_values(self, group: dict) -> tuple:
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        return (etaminus, etaplus, step_size_min, step_size_max), (bool(group["maximize"]),)

    def _buffer_keys(self, values: tuple) -> tuple:
        return ("prev", "step_size")

    def _scalars(self, values: tuple, before, after, np_type) -> tuple:
        return values
