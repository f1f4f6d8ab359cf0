"""Grad mode: whether operations record the graph. The only global switch in numbagrad.

Kept in a :class:`contextvars.ContextVar`, so each thread and each asyncio task has its own.
"""
from __future__ import annotations

import contextvars
import functools

_enabled = contextvars.ContextVar("numbagrad_grad_enabled", default=True)


def is_grad_enabled() -> bool:
    """True when operations record the graph for backward."""
    return _enabled.get()


class _GradModeGuard:
    """Sets grad mode to ``mode`` inside a ``with`` block or a decorated function."""

    mode = True

    def __enter__(self) -> None:
        self._token = _enabled.set(self.mode)

    def __exit__(self, *exc) -> None:
        _enabled.reset(self._token)

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            token = _enabled.set(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _enabled.reset(token)

        return wrapper


class _NoParamGuard(_GradModeGuard):
    """A guard that also works as a bare decorator (``@no_grad`` without parentheses)."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamGuard):
    """Context manager and decorator: operations inside record no graph.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.ones(3, requires_grad=True)
    >>> with torch.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class set_grad_enabled(_GradModeGuard):
    """Turn graph recording on or off: a function call, a context manager or a decorator.

    Parameters
    ----------
    mode : bool
        Whether operations record the graph.

    Examples
    --------
    >>> import numbagrad as torch
    >>> with torch.set_grad_enabled(False):
    ...     y = torch.ones(2, requires_grad=True) * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        # Called as a plain function, torch switches the mode at once and for good.
        self._prev = _enabled.get()
        _enabled.set(self.mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _enabled.set(self._prev)

    def __call__(self, fn):
        _enabled.set(self._prev)  # as a decorator the mode applies inside fn only
        return super().__call__(fn)


class enable_grad(_NoParamGuard):
    """Context manager and decorator: operations inside record the graph, even under no_grad."""

    mode = True


class inference_mode(_GradModeGuard):
    """Like :class:`no_grad` (numbagrad has no separate inference tensors)."""

    mode = False

    def __init__(self, mode: bool = True) -> None:
        self.mode = not mode
