"""A captured loop of identical training steps, found and rolled into one iteration.

A compiled function running a Python loop of steps (``for _ in range(n): loss = step(...)``,
``n`` a Python int of the call key) is recorded as ``n`` copies of one iteration's calls, each
copy on its own intermediate arrays. :func:`find` tells when the trace is exactly ``k`` such
copies, so that the generated function can run ``for it in range(k)`` over the first
iteration's buffers (the optimizers' scalars indexed by iteration) instead of ``k`` copies of
the source: a shorter compile, and no Python call per step.

The correspondence must be exact, or the trace stays unrolled. Iteration ``t`` must make the
same calls as iteration 0 (kernels, kinds, the structure of their arguments, every scalar
outside the optimizers' updates equal, type and bits), and its arrays must map onto iteration
0's one to one: same shape, strides, dtype and offset in their memory, and either the same
memory (a *persistent* array: parameters, optimizer state, inputs, a buffer the step keeps) in
every iteration, or memory of its own (a *local* array) that no other iteration touches and
that did not exist before the step. Data then crosses iterations through persistent memory
only, and a local array is written by its iteration before it is read (the capture refuses a
kernel reading an array no recorded call computed), so running iteration 0's calls ``k`` times
computes what the ``k`` copies compute. A loop carrying a value in a new tensor (``x = f(x)``:
iteration 1 reads the array iteration 0 wrote where iteration 0 read the input) is not rolled.
After the loop, only persistent arrays and the last iteration's arrays (read through the first
iteration's memory, see :meth:`Rolled.last`) may be used.
"""
from __future__ import annotations

import numpy as np

from numbagrad.compile.codegen import _leaves
from numbagrad.compile.liveness import owner as _root




def _address(a) -> int:
    return a.__array_interface__["data"][0]


def _structure(value):
    """The shape of an argument tuple with its leaves left out: arrays as ``A``, scalars by
    type."""
    if type(value) is tuple:
        return tuple(_structure(v) for v in value)
    if isinstance(value, np.ndarray):
        return "A"
    return type(value)


def _same_scalar(x, y) -> bool:
    """Equal in type and bits (``0.0`` and ``-0.0`` differ; NaNs of one type are equal)."""
    if type(x) is not type(y):
        return False
    if x is y:
        return True
    try:
        return repr(x) == repr(y)
    except Exception:  # noqa: BLE001 - a value without a repr: compared as unequal
        return False


class Rolled:
    """The result of :func:`find`: ``k`` iterations of ``length`` calls; ``last`` maps an array
    of the last iteration (or a persistent one) to the array the rolled step holds it in."""

    def __init__(self, k, length, last_map, local_last, roots_first):
        self.k, self.length = k, length
        self._local = set(local_last) | set(roots_first)  # ids of every iteration's local roots
        self._last_map = last_map  # (id(array of the last iteration), view key) -> array of 0
        self._local_last = local_last  # id(root of the last iteration) -> root of iteration 0
        self._roots_first = roots_first  # ids of local roots of iterations before the last

    def last(self, a):
        """The array of the rolled step holding what ``a`` holds after the unrolled step, or
        None where the rolled step does not keep it (a local array of an earlier iteration,
        or a view that cannot be rebuilt). An array no iteration touched is itself."""
        root = _root(a)
        if id(root) in self._roots_first:
            return None
        first = self._local_last.get(id(root))
        if first is None:
            return a  # persistent, or untouched by the loop
        key = (id(root), _address(a) - _address(root), a.shape, a.strides, a.dtype.str)
        found = self._last_map.get(key)
        if found is not None:
            return found
        if not isinstance(first, np.ndarray):
            return None
        try:
            return np.ndarray(a.shape, a.dtype, buffer=first,
                              offset=_address(a) - _address(root), strides=a.strides)
        except (TypeError, ValueError):  # memory that exposes no buffer
            return None


    def held(self, exempt=()) -> bool:
        """Whether a live tensor other than those of ``exempt`` (the step's outputs and
        gradients, which :meth:`last` maps) holds an array local to an iteration: a tensor made
        before the step and filled in the loop (``outs[i].copy_(...)``), or kept from the loop
        (``self.last = out``), would see the unrolled step's writes but not the rolled one's."""
        import gc

        from numbagrad.tensor import Tensor

        exempt = {id(t) for t in exempt}
        local = self._local

        def found() -> bool:
            for obj in gc.get_objects():
                # ``type``, not ``isinstance``: a dead weak proxy raises on ``isinstance``.
                if issubclass(type(obj), Tensor) and id(obj) not in exempt:
                    data = getattr(obj, "_data", None)
                    if isinstance(data, np.ndarray) and id(_root(data)) in local:
                        return True
            return False

        # A tensor in garbage not collected yet (a reference cycle) holds nothing: collected
        # and looked for again before refusing.
        if not found():
            return False
        gc.collect()
        return found()


def find(calls, steps, known) -> Rolled | None:
    """Whether ``calls`` are ``k >= 2`` identical iterations (see the module's docstring).

    Parameters
    ----------
    calls : list of capture.Call
    steps : list of (optimizer, start, end)
        The optimizer steps' call ranges (their scalars may differ between iterations).
    known : set
        The ids of the memory that existed before the step.

    Returns
    -------
    Rolled or None
    """
    n = len(calls)
    if n < 2:
        return None
    for k in range(n, 1, -1):
        if n % k:
            continue
        rolled = _try(calls, steps, known, k)
        if rolled is not None:
            return rolled
    return None


def _try(calls, steps, known, k):
    n = len(calls)
    length = n // k
    # Quick test first: the kernels repeat with period ``length``.
    for j in range(length, n):
        a, b = calls[j], calls[j - length]
        if a.kind != b.kind or a.fn is not b.fn:
            return None
    if len(steps) % k:
        return None
    m = len(steps) // k
    for t in range(k):
        for i in range(m):
            opt, start, end = steps[t * m + i]
            opt0, start0, end0 = steps[i]
            if opt is not opt0 or start != start0 + t * length or end != end0 + t * length:
                return None
    dynamic = [False] * length
    for _, start, end in steps[:m]:
        if not 0 <= start <= end <= length:
            return None
        for j in range(start, end):
            dynamic[j] = True
    # Per iteration, per call, the flat leaves; the structure must be the same.
    first = []
    for j in range(length):
        leaves: list = []
        _leaves(calls[j].args, leaves)
        first.append((_structure(calls[j].args), leaves))
    sigma = [dict() for _ in range(k)]  # per iteration: id(root of 0) -> root of t
    back = [dict() for _ in range(k)]  # per iteration: id(root of t) -> id(root of 0)
    last_map = {}
    roots0 = {}
    for t in range(k):
        fwd, rev = sigma[t], back[t]
        for j in range(length):
            call = calls[t * length + j]
            structure, leaves0 = first[j]
            if t and _structure(call.args) != structure:
                return None
            leaves: list = []
            _leaves(call.args, leaves)
            if len(leaves) != len(leaves0):
                return None
            for v, v0 in zip(leaves, leaves0):
                if isinstance(v0, np.ndarray):
                    if not isinstance(v, np.ndarray):
                        return None
                    if v.shape != v0.shape or v.strides != v0.strides or v.dtype != v0.dtype:
                        return None
                    r, r0 = _root(v), _root(v0)
                    if not (isinstance(r, np.ndarray) and isinstance(r0, np.ndarray)):
                        return None
                    offset = _address(v) - _address(r)
                    if offset != _address(v0) - _address(r0) or r.nbytes != r0.nbytes:
                        return None
                    if r.dtype != r0.dtype or r.shape != r0.shape:
                        return None
                    seen = fwd.get(id(r0))
                    if seen is None:
                        if id(r) in rev:
                            return None  # two memories of iteration 0 on one of iteration t
                        fwd[id(r0)] = r
                        rev[id(r)] = id(r0)
                        roots0[id(r0)] = r0
                    elif seen is not r:
                        return None
                    if t == k - 1:
                        key = (id(r), offset, v.shape, v.strides, v.dtype.str)
                        last_map.setdefault(key, v0)
                elif isinstance(v, np.ndarray):
                    return None
                elif not dynamic[j] and not _same_scalar(v, v0):
                    return None
    # Persistent memories map to themselves in every iteration; local ones never, are new
    # (not known before the step) and belong to one iteration only.
    owner = {}
    for r0_id in roots0:
        images = [sigma[t][r0_id] for t in range(k)]
        same = [img is roots0[r0_id] for img in images[1:]]
        if all(same):
            continue
        if any(same):
            return None
        for t, img in enumerate(images):
            if id(img) in known or id(img) in owner:
                return None
            owner[id(img)] = t
    # A persistent memory must not be some iteration's local memory too.
    for r0_id in roots0:
        if sigma[1][r0_id] is roots0[r0_id] and r0_id in owner:
            return None
    local_last = {id(sigma[k - 1][r0_id]): roots0[r0_id] for r0_id in roots0
                  if sigma[k - 1][r0_id] is not roots0[r0_id]}
    earlier = {r for r, t in owner.items() if t < k - 1}
    return Rolled(k, length, last_map, local_last, earlier)
