"""``numbagrad.compile``: torch's entry point, over the capture, the code generator and guards.

How a call runs (see ARCHITECTURE.md, "A compiled training step"):

1. The call's key (:func:`~numbagrad.compile.guards.call_key`) picks an entry. The first call
   with a key runs eagerly (optimizers create their state, lazy modules initialise).
2. The second call is captured: it runs eagerly on private copies of its tensor arguments while
   every kernel call is recorded (:mod:`~numbagrad.compile.capture`). When nothing in it stops a
   replay, one Numba function is generated (:mod:`~numbagrad.compile.codegen`).
3. Later calls with the key, while the guards hold, copy the tensor arguments into the capture's
   buffers, give the parameters their gradients, let each optimizer's ``step`` run its Python
   part with its kernels held back (so its counters, learning rate and scalars are those of now),
   and run the generated function once. Results are copies: tensors that do not require grad.
   Once an optimizer's scalar-only path (:class:`~numbagrad.compile.collect.FastScalars`) has
   given the scalars of such a collection, it replaces the collection for as long as the
   optimizer's groups and state keep the structure it checks; any change goes back to a
   collection (and, where the kernels' arrays changed, to a new capture).

A function running a Python loop of identical steps (``for _ in range(n): ...``, ``n`` part of
the call key) is captured as ``n`` copies of one iteration; where they correspond exactly
(:mod:`~numbagrad.compile.rolling`), the generated function loops over the first iteration's
buffers, and each call runs the optimizers' Python parts once per iteration, handing the
function one tuple of scalars per iteration.
"""
from __future__ import annotations

import math
import os
import sys
import warnings
import weakref

import numpy as np
from numba.core.errors import NumbaError

from numbagrad.compile import capture, codegen, fusion, liveness, rolling
from numbagrad.compile.collect import FastScalars, collect, same_scalars
from numbagrad.compile.cache import Entry, StepCache
from numbagrad.compile.guards import WorldGuard, call_key, is_container, named_objects
from numbagrad.optim.optimizer import Optimizer
from numbagrad.tensor import Tensor, _wrap

MODES = (None, "default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
BACKENDS = (None, "inductor", "eager", "aot_eager", "numbagrad")


class InvalidBackend(RuntimeError):
    """A ``backend=`` value numbagrad does not have (torch's ``InvalidBackend``)."""


class CompileFallback(RuntimeError):
    """Raised under ``fullgraph=True`` where a step cannot be captured whole."""


class Step:
    """One compiled step: the program, where arguments and outputs go, and its guards."""

    def __init__(self, program, inputs, outputs, new_grads, steps, guard):
        self.program = program
        # (where: "a" or "k", position or name, index inside a tuple or None, buffer)
        self.inputs = [path + (buffer,) for path, buffer in inputs]
        self.outputs = outputs  # a structure with ("out", array) / ("obj", value) leaves
        self.new_grads = new_grads  # (leaf, gradient array), set as .grad before each run
        # The gradient tensors over those arrays, made once: a new one per call would alias
        # the same memory all the same, and cost a tensor per parameter per call.
        self.grad_tensors = [(t, _wrap(g, t._device)) for t, g in new_grads]
        # References to a gradient tensor from this step's own structures (see _give_grads).
        self._grad_refs = _refs_in_loop(self.grad_tensors)
        self.dropped: list = []  # leaves whose .grad the step ends with None (a zero_grad)
        self.steps = steps  # (optimizer, recorded calls)
        # Per optimizer step: the gradients to give its parameters before collecting its
        # scalars, where they are not the ones the step ends with (an optimizer stepped twice
        # in one call reads the first backward's first); else None.
        self.step_grads: list = [None] * len(steps)
        # An optimizer stepped more than once per call: each step's scalars follow the
        # previous step's counters, so its plan commits at once (undone on an error).
        self.repeats = len({id(o) for o, _ in steps}) < len(steps)
        self.guard = guard
        # Per optimizer step: its FastScalars plan once it matched a collection, None while
        # none is tried yet, False where the optimizer has none.
        self.fast: list = [None] * len(steps)
        # The leaves: the guard keeps their data, ``run`` sets or the guard checks their grads.
        self.leaves = frozenset(id(t) for t, _, _ in guard.tensors) & frozenset(
            [id(t) for t, _ in new_grads] + [id(t) for t, _ in guard.grads])
        # Iterations of a rolled loop of steps (:mod:`.rolling`): ``steps`` are the first
        # iteration's, and the optimizers' Python parts run once per iteration.
        self.k = 1

    def _take_inputs(self, args: tuple, kwargs: dict) -> None:
        """Copy the call's tensor arguments into the step's buffers and give the parameters
        their gradient tensors (over the step's buffers)."""
        for where, key, inner, buffer in self.inputs:
            value = args[key] if where == "a" else kwargs[key]
            if inner is not None:
                value = value[inner]
            np.copyto(buffer, value._data)
        self._give_grads()

    def _give_grads(self) -> None:
        """Give the parameters their gradient tensors over the step's buffers. A tensor that
        the caller still holds from an earlier call (``grads.append(p.grad)``) keeps that
        call's values, as in eager mode, where each backward after ``zero_grad()`` makes a new
        gradient: its array becomes a copy, and the parameter gets a new tensor over the
        buffer. (A view of the gradient that the caller holds still sees the next values.)"""
        tensors = self.grad_tensors
        base = self._grad_refs
        for i in range(len(tensors)):
            t, g = tensors[i]
            if sys.getrefcount(g) > base + (t._grad is g):
                buffer = g._data
                g._data = buffer.copy()
                g = _wrap(buffer, t._device)
                tensors[i] = (t, g)
            t._grad = g

    def _collect(self, i: int, scalars: list, undo: list, plan_anew: bool) -> bool:
        """Optimizer step ``i``'s scalars the full way (its ``step()`` run with its kernels held
        back, :func:`collect`), appended to ``scalars``, its undo to ``undo``. With
        ``plan_anew`` a scalar-only plan is also built and trusted from now on if its scalars
        are the collection's. False (everything in ``undo`` undone) when the collected calls
        no longer match the capture."""
        optimizer, recorded = self.steps[i]
        prepared = None
        if plan_anew:
            plan = FastScalars.build(optimizer, self.leaves)
            prepared = plan.prepare() if plan is not None else None
            self.fast[i] = False if prepared is None else None
        start = len(scalars)
        calls, undo_one = collect(optimizer)
        undo.append((i, undo_one))
        if not codegen.scalars_if_same(recorded, calls, scalars):
            for _, u in reversed(undo):
                u()
            return False
        if prepared is not None:
            self.fast[i] = plan if same_scalars(prepared[0], scalars[start:]) else False
        return True

    def _call(self, scalars: tuple, undo: list, commits: list = (), replay=None) -> None:
        """Run the generated function with the optimizers' ``scalars``, then ``commits``; on
        an error, what the optimizers' Python parts changed (``undo``: ``(step, function)``
        pairs) is undone for the optimizer steps whose kernels had not run, and committed for
        those whose kernels had (the step writes how far it got, :func:`codegen.generate`);
        then ``replay(steps begun)``, if given (a rolled loop's)."""
        program = self.program
        try:
            program.fn(program.arrays, scalars, program.constants)
        except NumbaError as err:  # Numba could not compile the step: nothing ran
            for _, u in reversed(undo):
                u()
            raise _NotCompiled(f"Numba could not compile the generated step: {err}") from None
        except Exception:
            # A check inside the step raised (an index out of range, as eager mode raises):
            # the optimizers' counters end where eager mode leaves them, raising at that point.
            done = 0 if program.progress is None else int(program.arrays[program.progress])
            for i, u in reversed(undo):
                if i >= done:
                    u()
            for i, commit in commits:
                if i < done:
                    commit()
            if replay is not None:
                replay(done)
            raise
        for _, commit in commits:
            commit()

    def run(self, args: tuple, kwargs: dict):
        if self.k > 1:
            return self._run_rolled(args, kwargs)
        self._take_inputs(args, kwargs)
        scalars: list = []
        undo = []
        commits = []
        fast = self.fast
        rebound = False
        for i in range(len(self.steps)):
            plan = fast[i]
            if plan:
                if self.repeats:
                    undo.append((i, _fast_snapshot(plan)))
                prepared = plan.prepare()
                if prepared is not None:
                    scalars += prepared[0]
                    if self.repeats:
                        prepared[1]()
                    else:
                        commits.append((i, prepared[1]))
                    continue
                fast[i] = None  # something changed: collect, and plan again next call
            grads = self.step_grads[i]
            if grads is not None:
                rebound = True
                for t, g in grads:
                    t._grad = None if g is None else _wrap(g, t._device)
            collected = self._collect(i, scalars, undo, plan is None)
            if rebound:
                for t, g in self.grad_tensors:
                    t._grad = g
            if not collected:
                return _STALE
        self._call(tuple(scalars), undo, commits)
        for t in self.dropped:
            t._grad = None
        return _build(self.outputs)

    def _run_rolled(self, args: tuple, kwargs: dict):
        """``run`` of a rolled loop: each optimizer's Python part runs once per iteration, in
        order (its counters advanced before the next iteration's scalars are read), and the
        generated function gets one tuple of scalars per iteration, or one for all where
        they are the same in every iteration."""
        self._take_inputs(args, kwargs)
        per_iteration: list = []
        undo: list = []
        fast = self.fast
        snapshots: dict = {}
        repeated: dict = {}  # optimizer steps whose scalars are the same in every iteration
        k, n = self.k, len(self.steps)
        # The plans' commits, run as the iterations' scalars are read, in order: (optimizer
        # steps before, commit), or (-1, plan, iteration count) for a counterless plan's
        # version bumps. After an error the plans' counters are restored (their snapshots,
        # undone whatever the progress) and the commits of the steps begun are run again.
        log: list = []
        collected: set = set()
        for it in range(k):
            if it and len(repeated) == len(self.steps):
                break  # one tuple serves every iteration (the generated loop reads S[0])
            scalars: list = []
            for i in range(len(self.steps)):
                if i in repeated:
                    scalars += repeated[i]
                    continue
                plan = fast[i]
                if plan:
                    if i not in snapshots:
                        snapshots[i] = _fast_snapshot(plan)
                        undo.append((math.inf, snapshots[i]))
                    prepared = plan.prepare()
                    if prepared is not None:
                        scalars += prepared[0]
                        prepared[1]()  # the next iteration's scalars follow this one's
                        log.append((it * n + i, prepared[1]))
                        if it == 0 and _counterless(plan):
                            # No step counter: the scalars depend on the hyper-parameters
                            # only, and the iterations' commits only bump version counters.
                            repeated[i] = prepared[0]
                            for v in plan.versions:
                                v.value += k - 1
                            log.append((-1, plan, i))
                        continue
                    fast[i] = None
                if not self._collect(i, scalars, undo, plan is None):
                    return _STALE
                undo[-1] = (it * n + i, undo[-1][1])
                collected.add(i)
            per_iteration.append(tuple(scalars))

        def replay(done: int) -> None:
            if collected & snapshots.keys():
                # A step both planned and collected in this call: its collections' undos
                # were not all run, and the snapshot restored the plan's counters under
                # them. Undo everything (eager mode would have left the steps begun).
                for _, u in reversed(undo):
                    u()
                return
            for entry in log:
                if entry[0] >= 0:
                    if entry[0] < done:
                        entry[1]()
                    continue
                _, plan, i = entry  # the version bumps of iterations 1 .. k-1 begun
                begun = sum(1 for t in range(1, k) if t * n + i < done)
                for v in plan.versions:
                    v.value += begun

        self._call(tuple(per_iteration), undo, replay=replay)
        for t in self.dropped:
            t._grad = None
        return _build(self.outputs)


def _counterless(plan) -> bool:
    """Whether ``plan`` (a FastScalars) advances no step counter: its scalars are then the
    same at every step until the hyper-parameters change."""
    return all(item[-1] is None or not item[-1][1] for item in plan.plan)


def _fast_snapshot(plan):
    """A function restoring the counters and version counters ``plan``'s commits advance."""
    counters = [(a, a.copy()) for item in plan.plan if item[-1] is not None
                for arrays in item[-1][1] for a in arrays]
    versions = [(v, v.value) for v in plan.versions]

    def restore():
        for a, value in counters:
            a[...] = value
        for v, value in versions:
            v.value = value

    return restore


# ``NUMBAGRAD_COMPILE=0`` is read at every call: through the dict behind ``os.environ`` (which
# its assignments update), a lookup instead of ``os.environ.get``'s key encoding (0.6 µs).
try:
    _ENVIRON = os.environ._data
    _DISABLE_KEY = os.environ.encodekey("NUMBAGRAD_COMPILE")
    _DISABLED = os.environ.encodevalue("0")
except AttributeError:  # not CPython's os module
    _ENVIRON, _DISABLE_KEY, _DISABLED = os.environ, "NUMBAGRAD_COMPILE", "0"


def _env_disabled() -> bool:
    return _ENVIRON.get(_DISABLE_KEY) == _DISABLED


class _NotCompiled(Exception):
    pass


_STALE = object()


def _build(spec):
    kind = spec[0]
    if kind == "out":
        return _wrap(spec[1].copy(), spec[2])
    if kind == "obj":
        return spec[1]
    items = [_build(s) for s in spec[2]]
    return spec[1](items) if spec[1] is not dict else dict(zip(spec[3], items))


def _refs_in_loop(tensors: list) -> int:
    """``sys.getrefcount`` of a gradient tensor of ``tensors`` as :meth:`Step._give_grads`'s
    loop sees it when nothing but the list holds it (and its parameter's ``.grad`` not yet)."""
    for i in range(len(tensors)):
        t, g = tensors[i]
        return sys.getrefcount(g) - (t._grad is g)
    return 0


def _private_inputs(args, kwargs, rec_reason):
    """The arguments with each tensor replaced by a tensor over a private copy of its data (the
    capture's input buffer), and ``(path, buffer)`` for each. A leaf that requires grad (a
    parameter passed as an argument) stays itself, as the parameters a step names do: the call
    key holds its identity (:func:`~numbagrad.compile.guards.call_key`)."""
    inputs = []

    def swap(value, path):
        if not isinstance(value, Tensor):
            return value
        if value._requires_grad:
            if value.grad_fn is None:
                return value
            rec_reason.append("an argument tensor is the result of an op that requires grad "
                              "(a backward through it would leave the compiled function)")
        if value._device.type != "cpu":
            rec_reason.append(f"a tensor on {value._device}: the compiled step is CPU only")
        buffer = np.array(value._data, order="C", copy=True)  # 0-d stays 0-d
        inputs.append((path, buffer))
        return Tensor._make(buffer, value._device)

    new_args = []
    for i, a in enumerate(args):
        if isinstance(a, (tuple, list)) and any(isinstance(v, Tensor) for v in a):
            new_args.append(type(a)(swap(v, ("a", i, j)) for j, v in enumerate(a)))
        else:
            new_args.append(swap(a, ("a", i, None)))
    new_kwargs = {k: swap(v, ("k", k, None)) for k, v in kwargs.items()}
    return tuple(new_args), new_kwargs, inputs


def known_arrays(objects, depth: int = 4) -> list:
    """The arrays of the tensors reachable from ``objects`` (tensors, modules, optimizers, and
    tuples or lists of them) before a step: data, gradients, buffers, optimizer state."""
    from numbagrad.nn.module import Module

    arrays = []

    def tensor(t):
        arrays.append(t._data)
        if t._grad is not None:
            arrays.append(t._grad._data)

    for obj in objects:
        if isinstance(obj, (tuple, list)):
            if depth > 0:  # a list holding itself ends here
                arrays += known_arrays(obj, depth - 1)
        elif isinstance(obj, Tensor):
            tensor(obj)
        elif isinstance(obj, Module):
            for t in list(obj.parameters()) + list(obj.buffers()):
                tensor(t)
            for sub in obj.modules():  # a tensor held as a plain attribute (``self.mask``)
                for v in list(sub.__dict__.values()):
                    if isinstance(v, Tensor):
                        tensor(v)
        elif isinstance(obj, Optimizer):
            for group in obj.param_groups:
                for p in group["params"]:
                    tensor(p)
            for state in obj.state.values():
                for v in state.values():
                    if isinstance(v, Tensor):
                        tensor(v)
    return arrays


def _output_spec(value, rec, world, reasons):
    if isinstance(value, Tensor):
        if id(value) in world:
            return ("obj", value)
        rec.read(value._data, "an output")
        if value.grad_fn is not None and value.grad_fn not in rec.roots:
            reasons.append("an output requires grad and backward was not called inside the "
                           "function (a backward outside the compiled function is not captured)")
        return ("out", value._data, value._device)
    if isinstance(value, (tuple, list)):
        return ("seq", type(value), [_output_spec(v, rec, world, reasons) for v in value])
    if isinstance(value, dict):
        return ("seq", dict, [_output_spec(v, rec, world, reasons) for v in value.values()],
                list(value))
    if value is None or isinstance(value, (bool, int, float, str)):
        return ("obj", value)
    reasons.append(f"the function returns a {type(value).__name__}")
    return ("obj", value)


def build_step(fn, args, kwargs, modules=()):
    """Capture one call of ``fn``; returns ``(result, Step or None, reasons, source)``."""
    reasons: list = []
    new_args, new_kwargs, inputs = _private_inputs(args, kwargs, reasons)
    if reasons:  # not recorded: the call runs eagerly, on the caller's tensors
        return fn(*args, **kwargs), None, reasons, ""
    named = named_objects(fn, list(args) + list(kwargs.values()) + list(modules))
    known = known_arrays(list(new_args) + list(new_kwargs.values()) + list(modules)
                         + [o for _, _, o in named])
    # Hyper-parameters the step's own Python changes would stay as the capture left them.
    optimizers = {id(o): o for o in list(args) + list(kwargs.values()) + [o for _, _, o in named]
                  if isinstance(o, Optimizer)}
    before = {i: capture.hyper_parameters(o) for i, o in optimizers.items()}
    result, rec = capture.record(fn, new_args, new_kwargs, known)
    for i, (opt, at_step) in rec.hyper.items():
        if (not capture.same_hyper_parameters(before.get(i, at_step), at_step)
                or not capture.same_hyper_parameters(at_step, capture.hyper_parameters(opt))):
            rec.reason(f"{type(opt).__name__}'s param_groups were changed inside the compiled "
                       "function (that Python would not run again in the compiled step)")
    leaves = [t for t, _ in rec.leaves.values()]
    in_place = [(t, g) for t, g in rec.leaves.values() if g is not None]
    world = {id(t) for t in leaves} | {id(o) for _, _, o in named}
    outputs = result_spec = _output_spec(result, rec, world, reasons)
    reasons += rec.reasons
    if reasons:
        return result, None, reasons, ""
    for t in leaves:
        if t._device.type != "cpu":
            return result, None, [f"a parameter on {t._device}: the compiled step is CPU only"], ""
    # A gradient the step made: the one ``.grad`` holds at its end or, where a ``zero_grad()``
    # after the optimizer's step dropped it, the one the backward made (what the step read);
    # those dropped are dropped again after each run.
    new_grads = [(t, t._grad._data if t._grad is not None else rec.accumulated[id(t)])
                 for t, g in rec.leaves.values()
                 if g is None and (t._grad is not None or id(t) in rec.accumulated)]
    dropped = [t for t, g in rec.leaves.values() if t._grad is None]
    calls, rec_steps, modules_seen, k = rec.calls, rec.steps, rec.modules, 1
    rolled = rolling.find(rec.calls, rec.steps, rec.known)
    if rolled is not None:
        # The loop runs over the first iteration's arrays: what the step hands back must be
        # the last iteration's (found there) or persistent; else the trace stays unrolled.
        rolled_outputs = _rolled_spec(outputs, rolled)
        rolled_grads = [(t, rolled.last(g)) for t, g in new_grads]
        exempt = [t._grad for t in leaves if t._grad is not None] + _tensors(result)
        if (rolled_outputs is not None and all(g is not None for _, g in rolled_grads)
                and not rolled.held(exempt)):
            k = rolled.k
            calls = rec.calls[:rolled.length]
            rec_steps = rec.steps[:len(rec.steps) // k]
            outputs, new_grads = rolled_outputs, rolled_grads
            modules_seen = list({id(m): m for m in rec.modules}.values())
    # Memory that exists before the step or is read after it: never left unwritten.
    after = known_arrays(list(new_args) + list(new_kwargs.values()) + list(modules)
                         + list(modules_seen) + leaves + [o for _, _, o in named])
    step_grads = rec.step_grads[:len(rec_steps)]
    read = [g for grads in step_grads for _, g in grads if g is not None]
    pinned = set(rec.known) | liveness.visible() | {
        id(liveness.owner(a)) for a in after + _spec_arrays(outputs) + [g for _, g in new_grads]
        + read}
    calls, rec_steps = _passes(calls, rec_steps, pinned)
    try:
        program = codegen.generate(calls, [(s, e) for _, s, e in rec_steps],
                                   rolled=k if k > 1 else 0)
    except TypeError as err:
        return result, None, [str(err)], ""
    steps = [(opt, codegen.pattern(codegen.flatten(calls[s:e]))) for opt, s, e in rec_steps]
    # Leaves passed as arguments are held (and checked) as the step's leaves are: the call key
    # names them by identity, which must not be reused by another tensor.
    arg_leaves = [t for t in _tensors(list(args) + list(kwargs.values()))
                  if t._requires_grad and t.grad_fn is None]
    containers = [("a", i, a) for i, a in enumerate(args) if is_container(a)] + [
        ("k", k, v) for k, v in kwargs.items() if is_container(v)]
    guard = WorldGuard(named, list(modules) + modules_seen, leaves + arg_leaves, in_place,
                       list(rec.own_steps.values()), containers)
    step = Step(program, inputs, outputs, new_grads, steps, guard)
    if k == 1:  # a rolled loop's steps read the gradients its one iteration ends with
        ends = {id(t): g for t, g in new_grads}
        for i, grads in enumerate(step_grads):
            if any(g is not ends.get(id(t), t._grad._data if t._grad is not None else None)
                   for t, g in grads):
                step.step_grads[i] = grads
    step.dropped = dropped
    step.k = k
    # The gradients the captured call leaves in ``.grad`` are over arrays that became the
    # step's buffers: the caller may keep them, so they keep their values (a copy), as the
    # step's outputs do.
    for t, g in new_grads:
        if t._grad is not None and t._grad._data is g:
            t._grad._data = g.copy()
    # The captured call's outputs, like the later calls', over copies: the arrays they were
    # computed in became the step's buffers (``result_spec`` describes ``result`` itself).
    return _build(result_spec), step, [], program.source


def _passes(calls: list, rec_steps: list, pinned: set) -> tuple:
    """``calls`` after the passes that change where values live and how many loops compute
    them, each keeping eager mode's bits: a copy out of a dead buffer becomes its producer
    writing in place (:func:`.liveness.forward_copies`: the copies the recorder's own
    references forced, of gradients that eager mode hands to ``.grad`` uncopied), then chains
    of elementwise kernels become one loop (:func:`.fusion.fuse`). The optimizers' call ranges
    ``rec_steps`` follow."""
    for run_pass in (liveness.forward_copies, fusion.fuse):
        calls, moved = run_pass(calls, pinned, [(s, e) for _, s, e in rec_steps])
        rec_steps = [(opt, moved[s], moved[e]) for opt, s, e in rec_steps]
    return calls, rec_steps


def _spec_arrays(spec) -> list:
    """The arrays an output structure (:func:`_output_spec`) hands back."""
    if spec[0] == "out":
        return [spec[1]]
    if spec[0] == "seq":
        return [a for item in spec[2] for a in _spec_arrays(item)]
    return []


def _tensors(value) -> list:
    """The tensors of a function's result (a tensor, or tuples, lists and dicts of them)."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors(v)]
    return []


def _rolled_spec(spec, rolled):
    """The output structure ``spec`` with each array of the last iteration replaced by where
    the rolled step holds it; None where an output is not kept (an earlier iteration's)."""
    kind = spec[0]
    if kind == "out":
        a = rolled.last(spec[1])
        return None if a is None else ("out", a, spec[2])
    if kind == "obj":
        return spec
    items = [_rolled_spec(s, rolled) for s in spec[2]]
    if any(item is None for item in items):
        return None
    return ("seq", spec[1], items) + tuple(spec[3:])


class CompiledFunction:
    """``fn`` compiled: calls go through the step cache (see the module's docstring)."""

    instances: weakref.WeakSet = weakref.WeakSet()  # for numbagrad.compiler.reset

    def __init__(self, fn, fullgraph=False, disable=False, recompile_limit=None):
        CompiledFunction.instances.add(self)
        self._fn = fn
        self._fullgraph = fullgraph
        self._disable = disable
        self.cache = StepCache(recompile_limit or StepCache().limit)
        self.sources: list = []
        self.modules: list = []  # modules called as ``forward`` directly (compile(module))
        self._gave_up = False
        try:
            self.__wrapped__ = fn
            self.__name__ = getattr(fn, "__name__", type(fn).__name__)
            self.__doc__ = getattr(fn, "__doc__", None)
        except AttributeError:
            pass

    def __call__(self, *args, **kwargs):
        if self._disable or _env_disabled() or self._gave_up:
            return self._fn(*args, **kwargs)
        key = call_key(args, kwargs)
        entry = self.cache.get(key)
        if entry is not None and entry.state == "compiled":
            failure = entry.step.guard.failure(args, kwargs)
            if failure is None:
                try:
                    out = entry.step.run(args, kwargs)
                except _NotCompiled as err:
                    text = f"numbagrad.compile: {self.__name__} runs eagerly: {err}"
                    self.cache.note(text)
                    if self._fullgraph:
                        raise CompileFallback(text) from None
                    warnings.warn(text, stacklevel=2)
                    self.cache.put(key, Entry("eager", str(err)))
                    return self._fn(*args, **kwargs)
                if out is not _STALE:
                    return out
                failure = "an optimizer's parameters, state or groups changed"
            self.cache.note(f"recompile: {failure}")
            entry = None
        if entry is None:
            if self.cache.entries and key not in self.cache.entries:
                self.cache.note("recompile: the arguments' shapes, dtypes, requires_grad or "
                                "grad mode differ from every compiled step")
            self.cache.put(key, Entry("warm"))
            return self._fn(*args, **kwargs)
        if entry.state == "eager":
            return self._fn(*args, **kwargs)
        if self.cache.over_limit():
            self._gave_up = True
            text = (f"numbagrad.compile: {self.__name__} reached the recompile limit "
                    f"({self.cache.limit}); it runs eagerly from now on")
            self.cache.note(text)
            warnings.warn(text, stacklevel=2)
            return self._fn(*args, **kwargs)
        self.cache.captures += 1
        result, step, reasons, source = build_step(self._fn, args, kwargs, self.modules)
        if step is None:
            text = (f"numbagrad.compile: {self.__name__} runs eagerly: " + "; ".join(reasons))
            self.cache.note(text)
            if self._fullgraph:
                raise CompileFallback(text + " (fullgraph=True)")
            warnings.warn(text, stacklevel=2)
            self.cache.put(key, Entry("eager", "; ".join(reasons)))
        else:
            self.sources.append(source)
            self.cache.put(key, Entry("compiled", step=step))
        return result


def compile(model=None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend=None, mode: str | None = None, options: dict | None = None,
            name: str | None = None, disable: bool = False, recompile_limit: int | None = None,
            isolate_recompiles: bool = False, shapes_spec=None):
    """Compile a training step (or any function of tensors, or a Module) into one Numba function.

    Usable as torch's: ``@compile``, ``@compile(...)``, ``compile(fn)``, ``compile(module)``.
    The first call runs eagerly; the second is captured (its kernels recorded); later calls
    with the same argument shapes, dtypes, devices, ``requires_grad`` and grad mode run one
    generated ``njit`` function calling the same kernels, with the same numbers as eager mode.
    What cannot be captured (a tensor's value read in Python, a custom ``autograd.Function``, a
    hook, an op without a compiled form) runs eagerly with one warning naming the reason.

    Parameters
    ----------
    model : callable or Module, optional
        What to compile; without it, a decorator is returned.
    fullgraph : bool
        Raise :class:`CompileFallback` instead of falling back to eager mode.
    dynamic, options, name, isolate_recompiles, shapes_spec :
        Accepted for torch compatibility and ignored: each new shape is a new capture.
    backend : str, optional
        torch's documented values (None, ``"inductor"``, ``"eager"``, ``"aot_eager"``) and
        ``"numbagrad"`` are accepted and all mean the same compiled step here (no-ops);
        anything else, a callable included, raises :class:`InvalidBackend`.
    mode : str, optional
        torch's modes (``"default"``, ``"lite"``, ``"reduce-overhead"``, ``"max-autotune"``,
        ``"max-autotune-no-cudagraphs"``) are accepted as no-ops; others raise RuntimeError
        with torch's message.
    disable : bool
        Return a wrapper that runs eagerly (as does the environment variable
        ``NUMBAGRAD_COMPILE=0``, read at each call). ``NUMBAGRAD_FUSION=0``, read at each
        capture, compiles steps without fusing elementwise chains
        (:mod:`numbagrad.compile.fusion`), to measure what the fusion gains.
    recompile_limit : int, optional
        Captures allowed before the function runs eagerly for good (torch's default, 8).

    Returns
    -------
    callable
        The compiled function, or for a Module an ``OptimizedModule`` sharing its parameters
        (its ``state_dict`` keys carry torch's ``_orig_mod.`` prefix).

    Notes
    -----
    The first compiled call pays Numba's compile of the generated step, which calls the
    kernels' machine code by address rather than compiling them again (measured on a loaded
    2-core machine: about 0.2-0.3 s for a Linear step, about 1 s for an 8-layer MLP with
    Adam); the machine code is cached on disk, so the same program in a new process pays
    tens of milliseconds.
    Results are new tensors that do not require grad: a loss returned after ``backward()``
    inside the step is read with ``loss.item()``. A returned tensor still to be backpropagated
    (a forward compiled alone, with grad mode on) makes the call eager. Python side effects of
    the function other than its tensor computation (``print``, appending to a list, a
    scheduler's ``step``) run on the eager and captured calls only. A Python loop of identical
    training steps inside the function (``for _ in range(n)``) becomes one loop of the
    generated function, without a Python call per step, where its iterations correspond
    exactly and it returns the last iteration's values only. Gradients set by a compiled
    call live in the step's buffers: a ``.grad`` tensor kept from an earlier step is
    overwritten by the next one.
    """
    if mode not in MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: "
                           + ", ".join(m for m in MODES if m))
    if callable(backend) or backend not in BACKENDS:
        raise InvalidBackend(f"Invalid backend: {backend!r}; numbagrad.compile has "
                             + ", ".join(repr(b) for b in BACKENDS if b)
                             + " (all the same compiled step); a callable backend is not "
                             "supported")
    if model is None:
        def decorator(fn):
            return compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                           mode=mode, options=options, name=name, disable=disable,
                           recompile_limit=recompile_limit)

        return decorator
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    from numbagrad.nn.module import Module

    if isinstance(model, Module):
        from numbagrad.compile.module import OptimizedModule

        compiled = CompiledFunction(model.forward, fullgraph, disable, recompile_limit)
        compiled.modules = [model]
        return OptimizedModule(model, compiled)
    return CompiledFunction(model, fullgraph, disable, recompile_limit)
