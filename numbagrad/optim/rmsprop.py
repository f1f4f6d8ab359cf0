"""RMSprop: gradients divided by a running root mean square of their recent values."""
from __future__ import annotations

from typing import Iterable

from numbagrad.optim.optimizer import Optimizer, _new_buffer, _scalar
from numbagrad.tensor import Tensor


class RMSprop(Optimizer):
    r"""RMSprop, optionally centred and with momentum.

    Each step, for every parameter ``p`` with a gradient ``g`` (``-g`` when ``maximize``)::

        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g * g
        a = alpha * a + (1 - alpha) * g;  avg = sqrt(s - a * a) + eps   (centered)
        avg = sqrt(s) + eps                                              (otherwise)
        b = momentum * b + g / avg;  p = p - lr * b                      (momentum > 0)
        p = p - lr * g / avg                                             (otherwise)

    State: ``step``, ``square_avg`` (s), ``momentum_buffer`` (b, when momentum > 0) and
    ``grad_avg`` (a, when centered).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float
        Learning rate (default 1e-2).
    alpha : float
        Smoothing constant of the squared-gradient average (default 0.99).
    eps : float
        Added to the denominator (default 1e-8).
    weight_decay : float
        L2 penalty (default 0).
    momentum : float
        Momentum factor (default 0).
    centered : bool
        Normalise by an estimate of the gradient's variance instead of its second moment.
    capturable, foreach, maximize, differentiable : optional
        ``maximize`` maximizes the objective; the others are accepted for torch compatibility.

    Raises
    ------
    ValueError
        For a negative lr, eps, momentum, weight_decay or alpha.

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
            "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _step_group(self, group: dict, params: list) -> None:
        """Update ``params`` (the group's parameters that have a gradient)."""
        values = self._group_values(group)
        keys = self._buffer_keys(values)
        jobs = []
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["square_avg"] = _new_buffer(p)
                if keys[2] is not None:
                    state["momentum_buffer"] = _new_buffer(p)
                if keys[1] is not None:
                    state["grad_avg"] = _new_buffer(p)
            self._advance(state["step"])
            scalars, flags = self._scalars(values, None, None, p._data.dtype)
            jobs.append((p, [state[k] if k else None for k in keys], scalars, flags))
        self._update_all("rmsprop_step", jobs)

    _fast_step_group = _step_group

    def _group_values(self, group: dict) -> tuple:
        momentum, alpha = _scalar(group["momentum"]), _scalar(group["alpha"])
        centered = bool(group["centered"])
        flags = (centered, bool(group["maximize"]), momentum > 0)
        return (momentum, alpha, flags, _scalar(group["lr"]), _scalar(group["weight_decay"]),
                group["eps"])

    def _buffer_keys(self, values: tuple) -> tuple:
        return ("square_avg", "grad_avg" if values[2][0] else None,
                "momentum_buffer" if values[0] > 0 else None)

    def _scalars(self, values: tuple, before, after, np_type) -> tuple:
        momentum, alpha, flags, lr, wd, eps = values
        weight = np_type.type(1 - alpha)
        return (-lr, wd, alpha, weight, 1 - weight, eps, momentum), flags
