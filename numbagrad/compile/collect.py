"""What an optimizer's ``step`` would hand its kernels now, without running them.

A compiled step runs the optimizer's update kernels inside its one generated function, but
their scalars (learning rate, bias corrections, flags) are read at every call: :func:`collect`
runs ``optimizer.step()`` with its kernel calls recorded and held back, so the Python part
(hyper-parameters, step counters, version counters) runs exactly as in eager mode.

:class:`FastScalars` gives the same scalars without running ``step``: each optimizer computes
them per group from its hyper-parameters and counters (``Optimizer._scalars``), the counters
and version counters are advanced as ``step`` advances them, and the parameters are not
walked but checked, by identity, against what the plan saw.
"""
from __future__ import annotations

import operator
import threading
from itertools import repeat

import numpy as np

from numba.core.registry import CPUDispatcher

from numbagrad.compile import capture
from numbagrad.tensor import Tensor


def collect(optimizer) -> tuple:
    """The kernel calls ``optimizer.step()`` makes now, without running them: its Python part
    (step counters, version counters, scalars from the current hyper-parameters) runs as in
    eager mode, its kernels do not.

    Returns
    -------
    (list of Call, callable)
        The calls, and a function that undoes what the Python part changed (the step counters
        and state scalars it advanced, the state it created, the version counters it bumped),
        for when the calls do not match the capture and the step has to run eagerly instead.
    """
    global _Optimizer
    if _Optimizer is None:
        from numbagrad.optim.optimizer import Optimizer as _Optimizer
    Optimizer = _Optimizer
    rec = _Collector()
    n_state = len(optimizer.state)
    # The version counters ``step`` bumps (parameters, state tensors), for ``undo``.
    versions = [(t._version, t._version.value) for group in optimizer.param_groups
                for t in group["params"]]
    versions += [(t._version, t._version.value) for state in optimizer.state.values()
                 for t in state.values() if isinstance(t, Tensor)]
    advanced = []
    advance = Optimizer.__dict__["_advance"]
    advance_fn = advance.__func__
    put = Optimizer.__dict__["_put"]
    put_fn = put.__func__
    thread = rec.thread

    def r_advance(step_t):
        if thread != threading.get_ident():
            return advance_fn(step_t)
        advanced.append((step_t, step_t._data[()], step_t._version.value))
        return advance_fn(step_t)

    def r_put(t, value):
        if thread == threading.get_ident():
            advanced.append((t, t._data[()], t._version.value))
        return put_fn(t, value)

    def undo():
        for t, value, version in reversed(advanced):
            t._data[...] = value
            t._version.value = version
        for counter, value in versions:
            counter.value = value
        for p in list(optimizer.state)[n_state:]:
            del optimizer.state[p]

    with capture._lock:
        CPUDispatcher.__call__ = capture._hooked_call
        Optimizer._advance = staticmethod(r_advance)
        Optimizer._put = staticmethod(r_put)
        capture._active = rec
        try:
            optimizer.step()
        finally:
            capture._active = None
            del CPUDispatcher.__call__
            Optimizer._advance = advance
            Optimizer._put = put
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


class FastScalars:
    """The scalars an optimizer's ``step`` hands its kernels now, computed per group from its
    ``param_groups`` and counters without running ``step`` (see ``Optimizer._scalars``).

    Built after a capture from the optimizer as it is then; :meth:`prepare` answers None when
    anything the plan relies on changed (the groups, their parameters, which of them have a
    gradient, the state tensors and their arrays, the buffers the hyper-parameters select,
    counters that no longer agree within a group), and the caller falls back on
    :func:`collect`. A plan is used only once its scalars matched :func:`collect`'s (see
    :func:`same_scalars`). Supported: an optimizer whose ``_step_group`` is the one its class
    describes (``_fast_step_group``), each group's updated parameters C-contiguous floating
    arrays of one dtype (not float16) on the CPU with their state complete, so that
    ``_update_all`` makes one kernel call per eight parameters with one set of scalars.
    """

    __slots__ = ("optimizer", "groups", "state", "n_state", "plan", "versions")

    @classmethod
    def build(cls, optimizer, guarded=frozenset()):
        """The plan for ``optimizer`` as it is now, or None where it has no fast path.
        ``guarded``: the ids of the parameters whose data and gradient arrays the caller
        already keeps as they are now (the compiled step's leaves: its guard checks their
        data, and it sets or checks their gradients), which are not checked again."""
        global _Optimizer
        if _Optimizer is None:
            from numbagrad.optim.optimizer import Optimizer as _Optimizer
        Optimizer = _Optimizer
        kind = type(optimizer)
        fast_group = kind._fast_step_group
        if (fast_group is None or kind._step_group is not fast_group
                or kind.step is not Optimizer.step or kind._update_all is not Optimizer._update_all
                or kind._advance is not Optimizer._advance or kind._put is not Optimizer._put):
            return None
        self = cls()
        self.optimizer = optimizer
        self.groups = optimizer.param_groups
        self.state = optimizer.state
        self.n_state = len(self.state)
        self.plan = []
        self.versions = []
        try:
            for group in self.groups:
                item = self._group_plan(optimizer, group, guarded)
                if item is None:
                    return None
                self.plan.append(item)
        except (AttributeError, KeyError, TypeError, ValueError, NotImplementedError):
            return None
        return self

    def _group_plan(self, optimizer, group, guarded):
        params = group["params"]
        values = optimizer._group_values(group)
        keys = optimizer._buffer_keys(values)
        counters = optimizer._COUNTERS
        updated = [p for p in params if p._grad is not None]
        others = [p for p in params if p._grad is None]
        if not updated:
            return (group, params, len(params), keys, others, None)
        dtype = updated[0]._data.dtype
        if dtype.kind != "f" or dtype.itemsize == 2:
            return None
        needs_state = bool(counters) or any(k is not None for k in keys)
        unguarded, datas, grads, sds = [], [], [], []
        check_sds, check_keys, check_tensors, check_arrays = [], [], [], []
        counter_arrays = [[] for _ in counters]
        versions = self.versions
        for p in updated:
            data, grad = p._data, p._grad._data
            if (type(data) is not np.ndarray or type(grad) is not np.ndarray
                    or p._device.type != "cpu" or data.dtype != dtype or grad.dtype != dtype
                    or grad.shape != data.shape or not data.flags.c_contiguous
                    or not grad.flags.c_contiguous):
                return None
            sd = self.state.get(p)
            if sd is None and needs_state:
                return None
            if id(p) not in guarded:
                unguarded.append(p)
                datas.append(data)
                grads.append(grad)
            sds.append(sd)
            versions.append(p._version)
            for k, arrays in zip(counters, counter_arrays):
                t = sd[k]
                if t._data.shape != () or t._data.dtype.kind != "f":
                    return None
                arrays.append(t._data)
                versions.append(t._version)
                check_sds.append(sd)
                check_keys.append(k)
                check_tensors.append(t)
                check_arrays.append(t._data)
            for k in keys:
                if k is None:
                    continue
                t = sd[k]
                a = t._data
                if (type(a) is not np.ndarray or a.shape != data.shape or a.dtype != dtype
                        or not a.flags.c_contiguous):
                    return None
                versions.append(t._version)
                check_sds.append(sd)
                check_keys.append(k)
                check_tensors.append(t)
                check_arrays.append(a)
        types = []
        for arrays in counter_arrays:
            if any(a.dtype != arrays[0].dtype for a in arrays):
                return None
            types.append(arrays[0].dtype.type)
        n_chunks = -(-len(updated) // 8)  # ``_update_all``'s calls of eight parameters
        checks = (unguarded, datas, grads, updated if needs_state else [], sds, check_sds,
                  check_keys, check_tensors, check_arrays)
        return (group, params, len(params), keys, others,
                (checks, counter_arrays, types, dtype, n_chunks))

    def prepare(self):
        """``(scalars, commit)``: the scalars for the generated function's ``S`` and a function
        that advances the counters and version counters as ``step`` would; or None (nothing
        changed) where the plan no longer holds."""
        optimizer = self.optimizer
        state = self.state
        if (optimizer.param_groups is not self.groups or optimizer.state is not state
                or len(self.groups) != len(self.plan) or len(state) != self.n_state):
            return None
        wrapped = optimizer.__dict__.get("step")
        if wrapped is not None and not getattr(wrapped, "_wrapped_by_lr_sched", False):
            return None  # ``step`` replaced on the instance: only running it says what it does
        out: list = []
        writes = []
        is_ = operator.is_
        for group, params, n, keys, others, info in self.plan:
            if group["params"] is not params or len(params) != n:
                return None
            if others and not all(map(is_, map(_GRAD, others), repeat(None))):
                return None
            if info is None:
                continue
            checks, counter_arrays, types, dtype, n_chunks = info
            (unguarded, datas, grads, stated, sds, check_sds, check_keys, check_tensors,
             arrays) = checks
            # Loops in C (``map``): the same tests as a loop over the parameters.
            if unguarded:
                try:
                    if not (all(map(is_, map(_DATA, unguarded), datas))
                            and all(map(is_, map(_GRAD_DATA, unguarded), grads))):
                        return None
                except AttributeError:  # a gradient that is None
                    return None
            if stated:
                # A loop here: faster than ``map`` over dict lookups and tensor attributes
                # (4.8 against 7.3 µs for Adam's 16 parameters and 48 state tensors).
                for p, sd in zip(stated, sds):
                    if state.get(p) is not sd:
                        return None
                for sd, k, t, a in zip(check_sds, check_keys, check_tensors, arrays):
                    if sd.get(k) is not t or t._data is not a:
                        return None
            values = optimizer._group_values(group)
            if optimizer._buffer_keys(values) != keys:
                return None
            before = []
            for counter in counter_arrays:
                now = list(map(_ITEM, counter))
                if now.count(now[0]) != len(now):  # counters that disagree: one call each
                    return None
                before.append(now[0])
            after = optimizer._counters_next(values, before, types)
            scalars, flags = optimizer._scalars(values, before, after, dtype)
            if any(map(operator.ne, scalars, scalars)):
                return None  # a NaN: ``_update_all`` may not batch the parameters
            out.extend((_typed_scalars(scalars, dtype) + flags) * n_chunks)
            if counter_arrays:
                writes.append((counter_arrays, after))
        return out, lambda: self._commit(writes, wrapped is not None)

    def _commit(self, writes, scheduled: bool) -> None:
        if scheduled:
            # What a scheduler's wrapper of ``step`` notes when it runs (lr_scheduler.py).
            self.optimizer._opt_called = True
        for counter_arrays, after in writes:
            for counter, value in zip(counter_arrays, after):
                for a in counter:
                    a[()] = value  # 0-d arrays (see _group_plan): half of ``fill``'s time
        for v in self.versions:
            v.value += 1


_DATA = operator.attrgetter("_data")
_GRAD = operator.attrgetter("_grad")
_GRAD_DATA = operator.attrgetter("_grad._data")
_ITEM = np.ndarray.item


def same_scalars(a: list, b: list) -> bool:
    """Whether two lists of kernel scalars are equal value for value and type for type (the
    generated function is typed by them)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if type(x) is not type(y) or not (x == y or (x != x and y != y)):
            return False
    return True


def _typed_scalars(scalars, np_type):
    global _typed
    if _typed is None:
        from numbagrad.optim.optimizer import _typed_scalars as _typed
    return _typed(scalars, np_type)


_typed = None
