"""Random draws inside a compiled step: recorded as kernels over the generator's own arrays.

A draw (:mod:`numbagrad.random.draw`) runs kernels that advance a generator's engine state
(``uint32[626]``: the twister's words, ``left`` and ``next``) and its cached normal value (a
``float64[2]``) in place. While a step is recorded each draw runs under the label ``("random",
name)``, and the generator's two arrays count as arrays that exist before the step (as the
parameters do): the generated step calls the same kernels on the same arrays, so each replay
advances the generator exactly as the eager call would, and the next eager draw (or the next
replay) continues the stream. ``manual_seed``, ``seed`` and ``set_state`` write those arrays in
place (:meth:`~numbagrad.random.generator.Generator._load`), so a reseed between calls restarts
the replayed stream too; no guard is needed.

What a replay could not repeat is refused with a reason:

* a draw that finishes its values in NumPy after the kernel (float16 values, ``multinomial``,
  ``exponential``, ``random_()`` without bounds, ``cauchy_``...): the replay would keep the
  first call's values;
* a generator reseeded inside the step (``manual_seed`` or ``set_rng_state`` in the function):
  eager mode restarts the stream at every call, a replay would not;
* a draw from a generator created inside the step: each eager call starts a new stream.
"""
from __future__ import annotations

import functools
from threading import get_ident

import numpy as np

# The draw functions a step may call (by their module attribute, which every caller uses).
_DRAWS = ("uniform", "normal", "random_range", "random_full", "randperm", "bernoulli_scalar",
          "bernoulli_tensor", "exponential", "multinomial", "bernoulli_select",
          "bernoulli_select_ordered", "bernoulli_select2", "rrelu_slopes")


def _arrays(value):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _arrays(v)


def random_wrappers(rec, context) -> list:
    """``(object, attribute, recording version)`` for the draw functions and the generator's
    state changes, recording into ``rec``; ``context(rec, ctx)`` labels the calls."""
    from numbagrad.random import draw, inplace
    from numbagrad.random.generator import Generator

    created: set = set()  # ids of the generators made during the recording (kept alive)
    swaps = []

    def recording_draw(name, fn):
        @functools.wraps(fn)
        def drawn(gen, *args, **kwargs):
            if rec.thread != get_ident():
                return fn(gen, *args, **kwargs)
            if id(gen) in created:
                rec.reason("a random draw from a Generator created inside the step (each "
                           "eager call starts a new stream; create it outside the function)")
            for a in (gen._engine, gen._normal_double):
                rec.known.add(id(rec._root(a)))
            with context(rec, ("random", name)):
                out = fn(gen, *args, **kwargs)
            for a in _arrays(out):
                if a.size and id(rec._root(a)) not in rec.seen:
                    rec.reason(f"random draw {name} ({a.dtype}, {list(a.shape)}) finishes its "
                               "values in NumPy, which a compiled step cannot repeat")
            return out

        return drawn

    for name in _DRAWS:
        swaps.append((draw, name, recording_draw(name, getattr(draw, name))))
    # cauchy_, log_normal_ and geometric_ run their kernels through this helper.
    swaps.append((inplace, "_doubles", recording_draw("doubles", inplace._doubles)))
    write = inplace._write

    def r_write(self, values):
        if (rec.thread == get_ident() and values.size
                and id(rec._root(values)) not in rec.seen):
            rec.reason(f"an in-place random fill ({values.dtype}, {list(values.shape)}) "
                       "finishes its values in NumPy, which a compiled step cannot repeat")
        return write(self, values)

    swaps.append((inplace, "_write", r_write))


    init, load = Generator.__init__, Generator._load

    def r_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if rec.thread == get_ident():
            created.add(id(self))
            rec.keep.append(self)

    def r_load(self, *args, **kwargs):
        if rec.thread == get_ident() and id(self) not in created and hasattr(self, "_engine"):
            rec.reason("a generator is reseeded inside the step (manual_seed, seed or "
                       "set_rng_state in the function): eager mode restarts its stream at each "
                       "call, a compiled step would not; seed outside the function")
        return load(self, *args, **kwargs)

    swaps.append((Generator, "__init__", r_init))
    swaps.append((Generator, "_load", r_load))
    return swaps
