"""Buffer reuse by liveness: a recorded copy into a buffer becomes the producer writing there.

Eager mode hands a fresh gradient to ``.grad`` without copying it when nothing else refers to
the array (:func:`numbagrad.autograd.graph._add_into` steals it). During a capture the recorder
itself holds references, so the recorded step copies each such gradient into ``.grad``: for a
784x512 weight that is a 1.6 MB pass over memory (about 100 µs here) on every compiled call.

:func:`forward_copies` removes those copies, and any other whose source is dead after it: the
calls that computed the source write into the destination instead, through a view of the same
offset, shape and strides, and the copy goes. Each call then computes the same bits, only in
another place. The rules, on byte ranges of the arrays' memory:

* the source is a whole, C-contiguous buffer of the step's own (not an input, parameter,
  gradient, optimizer state or anything else that exists before the step or is handed back
  after it) and nothing touches its memory after the copy;
* the destination has the source's shape and dtype, is C-contiguous, and nothing touches its
  memory between the source's first use and the copy (the renamed writes would clobber a value
  still read);
* no call involved is part of an optimizer's step (their arguments are matched at every call
  against what was recorded).
"""
from __future__ import annotations

import gc

import numpy as np
from numpy.lib.array_utils import byte_bounds

from numbagrad.compile.capture import Call
from numbagrad.compile.codegen import _leaves


def visible() -> set:
    """The ids of the memory owners of every tensor alive now (data and gradient): after a
    capture, what Python can still read, whether it existed before the step (a tensor in the
    user's list, a parameter) or escaped it (the result, a tensor appended to a list). No buffer
    of these may be left unwritten. Found by walking the objects the garbage collector tracks
    (tensors are among them): tens of milliseconds, once per capture."""
    from numbagrad.tensor import Tensor

    out = set()
    for obj in gc.get_objects():
        if issubclass(type(obj), Tensor):  # not isinstance: a weak proxy passes that test
            out.add(id(owner(obj._data)))
            if obj._grad is not None:
                out.add(id(owner(obj._grad._data)))
    return out


def owner(a):
    """The object owning the memory of array ``a`` (the end of its ``base`` chain)."""
    while getattr(a, "base", None) is not None:
        a = a.base
    return a


def span(a) -> tuple:
    """``(id of the memory's owner, first byte, end byte)`` of array ``a``."""
    lo, hi = byte_bounds(a)
    return id(owner(a)), lo, hi


def touches(where, spans) -> bool:
    """Whether the bytes ``where`` (a :func:`span`) overlap any of ``spans``."""
    who, lo, hi = where
    return any(o == who and l < hi and lo < h for o, l, h in spans)


def call_spans(calls) -> list:
    """Per call, the :func:`span` of each non-empty array among its arguments."""
    out = []
    for call in calls:
        leaves: list = []
        _leaves(call.args, leaves)
        out.append([span(a) for a in leaves if isinstance(a, np.ndarray) and a.size])
    return out


def _rename(value, src_id: int, src_lo: int, dst):
    """``value`` (an argument, possibly a tuple) with each array over the memory ``src_id``
    replaced by the view of ``dst`` at the same offset, shape and strides."""
    if type(value) is tuple:
        return tuple(_rename(v, src_id, src_lo, dst) for v in value)
    if isinstance(value, np.ndarray) and id(owner(value)) == src_id:
        offset = value.__array_interface__["data"][0] - src_lo
        if offset == 0 and value.shape == dst.shape and value.strides == dst.strides:
            return dst
        flat = dst.reshape(-1).view(np.uint8)
        return np.lib.stride_tricks.as_strided(
            flat[offset:].view(value.dtype), value.shape, value.strides,
            writeable=value.flags.writeable)
    return value


def forward_copies(calls: list, pinned: set, frozen: list) -> tuple:
    """``calls`` with each removable copy removed (see the module's docstring).

    Parameters
    ----------
    calls : list of capture.Call
    pinned : set of int
        The ids of the owners of memory that exists before the step or is used after it
        (inputs, parameters, gradients handed to ``.grad``, optimizer state, outputs): never a
        removed copy's source.
    frozen : list of (start, end)
        Call ranges left as they are (the optimizers' steps).

    Returns
    -------
    (list of capture.Call, list of int)
        The new calls, and for each old call index its new index (of the next kept call, for a
        removed one), so that ranges over the old calls can be mapped.
    """
    calls = list(calls)
    in_frozen = [False] * len(calls)
    for start, end in frozen:
        for i in range(start, end):
            in_frozen[i] = True
    spans = call_spans(calls)
    removed = [False] * len(calls)
    for j, call in enumerate(calls):
        if call.kind != "copy" or in_frozen[j]:
            continue
        src, dst = call.args
        root = owner(src)
        src_id = id(root)
        if (src_id in pinned or src.dtype != dst.dtype or src.shape != dst.shape
                or not src.size or not (src.flags.c_contiguous and dst.flags.c_contiguous)
                or not isinstance(root, np.ndarray) or byte_bounds(src) != byte_bounds(root)):
            continue
        src_span, dst_span = span(src), span(dst)
        if src_id == dst_span[0] or any(touches(src_span, spans[k])
                                       for k in range(j + 1, len(calls)) if not removed[k]):
            continue
        users = [k for k in range(j) if not removed[k] and touches(src_span, spans[k])]
        if not users or any(in_frozen[k] for k in users) or any(
                touches(dst_span, spans[k]) for k in range(users[0], j) if not removed[k]):
            continue
        try:
            renamed = [_rename(calls[k].args, src_id, src_span[1], dst) for k in users]
        except ValueError:  # a view of the source another dtype cannot take over the destination
            continue
        for k, args in zip(users, renamed):
            old = calls[k]
            calls[k] = Call(old.kind, old.fn, args, old.ctx)
            spans[k] = call_spans([calls[k]])[0]
        removed[j] = True
    index, new = [], []
    for call, gone in zip(calls, removed):
        index.append(len(new))
        if not gone:
            new.append(call)
    index.append(len(new))
    return new, index
