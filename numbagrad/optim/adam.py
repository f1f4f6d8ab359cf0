"""Adam and AdamW (Adam with decoupled weight decay)."""
from __future__ import annotations

from typing import Any, Iterable

from numbagrad.optim.optimizer import Optimizer, _new_buffer, _scalar
from numbagrad.tensor import Tensor


class Adam(Optimizer):
    r"""Adam: adaptive moment estimation.

    Each step ``t`` (counted per parameter from 1), for every parameter ``p`` with a gradient
    ``g`` (``-g`` when ``maximize``)::

        g = g + weight_decay * p                  (Adam)
        p = p * (1 - lr * weight_decay)           (decoupled_weight_decay, i.e. AdamW)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v); v = v_max          (amsgrad)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    State: ``step`` (a 0-d float tensor), ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with
    amsgrad, ``max_exp_avg_sq``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float
        Learning rate (default 1e-3).
    betas : tuple of float
        Decay rates of the first and second moment averages (default (0.9, 0.999)).
    eps : float
        Added to the denominator for numerical stability (default 1e-8).
    weight_decay : float
        L2 penalty, or the decoupled decay rate with ``decoupled_weight_decay`` (default 0).
    amsgrad : bool
        Use the AMSGrad variant (default False).
    maximize : bool
        Maximize the objective (default False).
    decoupled_weight_decay : bool
        Decay the parameters directly instead of through the gradient (AdamW; default False).
    foreach, capturable, differentiable, fused : optional
        Accepted for torch compatibility and recorded in the groups.

    Raises
    ------
    ValueError
        For a negative lr, eps or weight_decay, or a beta outside [0, 1).

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = {
            "lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
            "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
            "capturable": capturable, "differentiable": differentiable, "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _step_group(self, group: dict, params: list) -> None:
        """Update ``params`` (the group's parameters that have a gradient)."""
        values = self._group_values(group)
        keys = self._buffer_keys(values)
        amsgrad = keys[2] is not None
        jobs = []
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["exp_avg"] = _new_buffer(p)
                state["exp_avg_sq"] = _new_buffer(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = _new_buffer(p)
            step = self._advance(state["step"])
            scalars, flags = self._scalars(values, None, (step,), p._data.dtype)
            jobs.append((p, [state[k] if k else None for k in keys], scalars, flags))
        self._update_all("adam_step", jobs)

    _fast_step_group = _step_group

    def _group_values(self, group: dict) -> tuple:
        beta1, beta2 = (_scalar(b) for b in group["betas"])
        flags = (bool(group["amsgrad"]), bool(group["maximize"]),
                 bool(group["decoupled_weight_decay"]))
        return beta1, beta2, _scalar(group["lr"]), _scalar(group["weight_decay"]), \
            group["eps"], flags

    def _buffer_keys(self, values: tuple) -> tuple:
        return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq" if values[5][0] else None)

    def _scalars(self, values: tuple, before, after: tuple, np_type) -> tuple:
        beta1, beta2, lr, wd, eps, flags = values
        step = after[0]
        # Computed in Python floats (float64), as torch's single-tensor path does.
        bias_correction1 = 1 - beta1 ** step
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        weight = np_type.type(1 - beta1)
        return ((1 - lr * wd, wd, weight, 1 - weight, beta2, 1 - beta2, bias_correction2_sqrt,
                 eps, -(lr / bias_correction1)), flags)


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay.

    The same update as :class:`Adam` with ``decoupled_weight_decay=True``: before the Adam step
    each parameter is shrunk, ``p = p * (1 - lr * weight_decay)``, instead of adding
    ``weight_decay * p`` to the gradient, so the decay does not pass through the moment
    estimates. See :class:`Adam` for the full update and the state.

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
        Decoupled weight decay rate (default 1e-2).
    amsgrad : bool
        Use the AMSGrad variant (default False).
    maximize : bool
        Maximize the objective (default False).
    foreach, capturable, differentiable, fused : optional
        Accepted for torch compatibility and recorded in the groups.

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.8500, -1.8000], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
