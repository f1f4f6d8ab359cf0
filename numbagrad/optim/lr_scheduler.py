"""Learning-rate schedulers: change each parameter group's ``lr`` as training goes on."""
from __future__ import annotations

import functools
import warnings
import weakref
from typing import Any

from numbagrad.optim.optimizer import Optimizer


class LRScheduler:
    """Base class of learning-rate schedulers.

    A subclass defines :meth:`get_lr` (the learning rate of each group at ``last_epoch``, from
    ``base_lrs`` or from the groups' current ``lr``). Building a scheduler records each group's
    ``initial_lr`` and performs the first :meth:`step` (``last_epoch`` becomes 0).

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose learning rates are scheduled.
    last_epoch : int
        Index of the last epoch; -1 (the default) starts a new schedule. A value >= 0 resumes
        one and needs ``initial_lr`` in every group.

    Attributes
    ----------
    base_lrs : list of float
        Each group's ``initial_lr``.
    last_epoch : int
        The epoch of the latest :meth:`step`.

    Raises
    ------
    TypeError
        If ``optimizer`` is not an :class:`Optimizer`.
    KeyError
        If resuming (``last_epoch >= 0``) and a group has no ``initial_lr``.
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        "scheduler with last_epoch >= 0.\n"
                        "This typically happens when:\n"
                        "1. You're trying to resume training from a checkpoint but haven't "
                        "properly loaded the optimizer state\n"
                        "2. You're using last_epoch >= 0 for a fresh training run (not recommended)"
                    )
        self.base_lrs: list = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        _track_step_calls(optimizer)
        self._step_count = 0
        # Subclasses may read _is_initial in get_lr; it is part of torch's state dict too.
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def state_dict(self) -> dict[str, Any]:
        """Every attribute of the scheduler except the optimizer, as a dict."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)

    def get_last_lr(self) -> list:
        """The learning rate of each group set by the latest :meth:`step`."""
        return self._last_lr

    def get_lr(self) -> list:
        """The learning rate of each group at ``last_epoch``; every scheduler defines it."""
        raise NotImplementedError

    def step(self, epoch: int | None = None) -> None:
        """Advance the schedule by one epoch and write the new rates into the optimizer.

        Call it after ``optimizer.step()``. Passing ``epoch`` is deprecated in torch; it sets
        ``last_epoch`` directly and uses the closed form when the scheduler has one.
        """
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch "
                "1.1.0 and later, you should call them in the opposite order: "
                "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result "
                "in PyTorch skipping the first value of the learning rate schedule. See more "
                "details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                warnings.warn(
                    "The epoch parameter in `scheduler.step()` was not necessary and is being "
                    "deprecated where possible. Please use `scheduler.step()` to step the "
                    "scheduler. During the deprecation, if epoch is different from None, the "
                    "closed form is used instead of the new chainable form, where available. "
                    "Please open an issue if you are unable to replicate your use case: "
                    "https://github.com/pytorch/pytorch/issues/new/choose.",
                    UserWarning,
                    stacklevel=2,
                )
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


def _track_step_calls(optimizer: Optimizer) -> None:
    """Wrap ``optimizer.step`` so that a scheduler can tell whether it ran before its own step."""
    if hasattr(optimizer.step, "_wrapped_by_lr_sched"):
        return
    opt_ref = weakref.ref(optimizer)
    func = optimizer.step.__func__

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        opt = opt_ref()
        opt._opt_called = True
        return func.__get__(opt, opt.__class__)(*args, **kwargs)

    wrapper._wrapped_by_lr_sched = True
    optimizer.step = wrapper


def _warn_get_lr_called_outside_step(scheduler: LRScheduler) -> None:
    if not scheduler._get_lr_called_within_step:
        warnings.warn(
            "To get the last learning rate computed by the scheduler, please use "
            "`get_last_lr()`.",
            UserWarning,
            stacklevel=3,
        )


class StepLR(LRScheduler):
    """Multiply each group's learning rate by ``gamma`` every ``step_size`` epochs.

    After ``epoch`` calls of :meth:`step`, ``lr = initial_lr * gamma ** (epoch // step_size)``
    (when nothing else changes the rates).

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose learning rates are scheduled.
    step_size : int
        Period of the decay, in epochs.
    gamma : float
        Multiplicative decay factor (default 0.1).
    last_epoch : int
        Index of the last epoch (default -1: start a new schedule).

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.zeros(1, requires_grad=True)
    >>> opt = torch.optim.SGD([w], lr=1.0)
    >>> sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     opt.step()
    ...     sched.step()
    ...     lrs += sched.get_last_lr()
    >>> lrs
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        """Each group's ``lr``, times ``gamma`` when ``last_epoch`` is a positive multiple of
        ``step_size``."""
        _warn_get_lr_called_outside_step(self)
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size)
                for base_lr in self.base_lrs]
