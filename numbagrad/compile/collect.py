"""What an optimizer's ``step`` would hand its kernels now, without running them.

A compiled step runs the optimizer's update kernels inside its one generated function, but
their scalars (learning rate, bias corrections, flags) are read at every call: :func:`collect`
runs ``optimizer.step()`` with its kernel calls recorded and held back, so the Python part
(hyper-parameters, step counters, version counters) runs exactly as in eager mode.
"""
from __future__ import annotations

import threading

from numba.core.registry import CPUDispatcher

from numbagrad.compile import capture


def collect(optimizer) -> tuple:
    """The kernel calls ``optimizer.step()`` makes now, without running them: its Python part
    (step counters, version counters, scalars from the current hyper-parameters) runs as in
    eager mode, its kernels do not.

    Returns
    -------
    (list of Call, callable)
        The calls, and a function that undoes what the Python part changed (the step counters
        it advanced, the state it created), for when the calls do not match the capture and the
        step has to run eagerly instead.
    """
    global _Optimizer
    if _Optimizer is None:
        from numbagrad.optim.optimizer import Optimizer as _Optimizer
    Optimizer = _Optimizer
    rec = _Collector()
    n_state = len(optimizer.state)
    advanced = []
    advance = Optimizer.__dict__["_advance"]
    advance_fn = advance.__func__
    thread = rec.thread

    def r_advance(step_t):
        if thread != threading.get_ident():
            return advance_fn(step_t)
        advanced.append((step_t, step_t._data[()], step_t._version.value))
        return advance_fn(step_t)

    def undo():
        for t, value, version in advanced:
            t._data[...] = value
            t._version.value = version
        for p in list(optimizer.state)[n_state:]:
            del optimizer.state[p]

    with capture._lock:
        CPUDispatcher.__call__ = capture._hooked_call
        Optimizer._advance = staticmethod(r_advance)
        capture._active = rec
        try:
            optimizer.step()
        finally:
            capture._active = None
            del CPUDispatcher.__call__
            Optimizer._advance = advance
    return rec.calls, undo


_Optimizer = None  # numbagrad.optim.optimizer.Optimizer, imported at the first collection


class _Collector:
    """What :func:`capture._hooked_call` needs of a :class:`capture.Recorder` while
    collecting (a recorder's other parts serve a capture; this one is made at every call):
    kernel calls are kept, not run; reasons are not asked for."""

    __slots__ = ("thread", "calls", "reasons", "ctx")
    collecting = True

    def __init__(self):
        self.thread = threading.get_ident()
        self.calls: list = []
        self.reasons: list = []
        self.ctx = None

    def reason(self, text: str) -> None:
        if text not in self.reasons:
            self.reasons.append(text)

    def add(self, kind, fn, args) -> None:
        self.calls.append(capture.Call(kind, fn, args, None))
