"""The recorded graph and the backward pass that walks it.

Each result of a differentiable operation points to the :class:`Node` that made it. A node keeps
an explicit record (op, edges to the nodes of its inputs, the values its vjp reads, static
attributes) rather than a closure, so that the graph can be inspected and, later, compiled.
Leaves that require grad end in an :class:`AccumulateGrad` node, which adds into ``.grad``.

:func:`run_backward` orders the graph iteratively (Kahn's algorithm over dependency counts), so
a chain of any length backpropagates without touching Python's recursion limit.
"""
from __future__ import annotations

import weakref
from sys import getrefcount

import numpy as np

from numbagrad.autograd import anomaly as _anomaly

_FREED = "freed"


class VersionCounter:
    """Counts in-place writes to a storage; shared by a tensor and all its views."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "int32": "IntTensor",
               "int64": "LongTensor", "bool": "BoolTensor"}

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)


def version_error(dtype: str, shape, now: int, expected: int, node_name: str) -> str:
    """torch's message for a saved tensor modified in place after it was saved."""
    kind = _TYPE_NAMES.get(dtype, dtype)
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [numbagrad.{kind} {list(shape)}] is at version {now}; expected version "
        f"{expected} instead. The node that needed it is {node_name}. Hint: the tensor was "
        "changed in place (x += ..., x.mul_(...), x[...] = ...) after the forward pass saved "
        "it; use an out-of-place operation or clone() it first."
    )


def camel(name: str) -> str:
    """``max_pool2d`` -> ``MaxPool2d``: the default stem of a node's class name."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


class Node:
    """One recorded operation: what ``backward`` needs to send gradients to its inputs.

    Each node is an instance of a subclass named as torch names its node
    (``MseLossBackward0``, ``AddmmBackward0``; see :mod:`numbagrad.autograd.node_names`).

    Attributes
    ----------
    op : OpDef
        The primitive (its ``vjp`` computes the input gradients).
    next : tuple of (Node or None, int)
        For each input, the node that produced it and which of its outputs; ``(None, 0)`` for
        inputs that need no gradient.
    needs : tuple of bool
        Which inputs need a gradient.
    inputs, output :
        The arrays the vjp reads (``None`` where it reads nothing), with the version of each
        tensor they belong to, checked before use.
    attrs : dict
        Static arguments of the op (axes, shapes, scalars).
    extra :
        Anything else the forward returned for the vjp (argmax indices, gather positions).
    in_shapes : tuple of tuple
        The shape of each input, used to undo broadcasting.
    """

    __slots__ = ("op", "be", "next", "needs", "inputs", "output", "attrs", "extra", "in_shapes",
                 "in_dtypes", "_versions", "retained", "n_outputs", "trace", "shown",
                 "__weakref__")

    def __init__(self, op, be, next_edges, needs, inputs, output, attrs, extra, in_shapes,
                 in_dtypes, versions) -> None:
        self.op = op
        self.be = be
        self.next = next_edges
        self.needs = needs
        self.inputs = inputs
        self.output = output
        self.attrs = attrs
        self.extra = extra
        self.in_shapes = in_shapes
        self.in_dtypes = in_dtypes
        self._versions = versions
        self.retained = None
        self.n_outputs = 1  # a primitive has one output (custom Functions may have several)
        if _anomaly.enabled:
            self.trace = _anomaly.forward_trace()

    def name(self) -> str:
        """torch's name for this node's class, e.g. ``MulBackward0``."""
        cls = type(self)
        return cls.__name__ if cls is not Node else f"{camel(self.op.name)}Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        """The nodes this one sends gradients to, as torch's ``grad_fn.next_functions``.

        Where the node stands for several of torch's, torch's inner nodes are shown (made once,
        kept in ``shown``); they lead on to the same edges that backward follows.
        """
        view = self.op is not None and _node_names.VIEWS.get(self.op.name)
        if not view:
            return tuple(self.next)
        try:
            return self.shown
        except AttributeError:
            shown = self.shown = view(self)
            return shown

    def check_saved(self) -> None:
        """Raise if saved values were freed or changed in place since the forward pass."""
        if self.inputs is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        for counter, version, array in self._versions:
            if counter.value != version:
                raise RuntimeError(version_error(array.dtype.name, array.shape, counter.value,
                                                 version, self.name()))

    def apply(self, grads: list) -> tuple:
        """The gradients for each input, from the gradient of the output (None: none came)."""
        if grads[0] is None:
            # No gradient reached this node: none leaves it either (torch's undefined grads).
            return (None,) * len(self.next)
        self.check_saved()
        return self.op.vjp(self.be, grads[0], self)

    def release(self) -> None:
        """Drop saved values once backward has used them (unless the graph is retained)."""
        if self._versions or self.inputs is not None or self.output is not None:
            self.inputs = self.output = self.extra = _FREED
            self._versions = ()


class AccumulateGrad:
    """The end of the graph at a leaf: adds the incoming gradient into ``leaf.grad``."""

    __slots__ = ("leaf", "next", "retained", "n_outputs", "__weakref__")

    def __init__(self, leaf) -> None:
        self.leaf = weakref.ref(leaf)
        self.next = ()
        self.retained = None
        self.n_outputs = 1

    def name(self) -> str:
        """torch's ``name()`` of this node (its class is ``AccumulateGrad``)."""
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"

    @property
    def variable(self):
        """The leaf tensor this node accumulates into."""
        return self.leaf()

    @property
    def next_functions(self) -> tuple:
        return ()

    def release(self) -> None:
        pass


def _dependencies(roots: list) -> dict:
    """How many edges reach each node reachable from ``roots`` (0 for the roots themselves)."""
    deps: dict = dict.fromkeys(roots, 0)
    get = deps.get
    stack = list(roots)
    push = stack.append
    while stack:
        for child, _ in stack.pop().next:
            if child is not None:
                count = get(child)
                if count is None:
                    deps[child] = 1
                    push(child)
                else:
                    deps[child] = count + 1
    return deps


def _parents(roots: list) -> dict:
    """The nodes that feed each node's gradient, over the nodes reachable from ``roots``."""
    parents: dict = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for child, _ in node.next:
            if child is None:
                continue
            parents.setdefault(child, []).append(node)
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return parents


def _needed(parents: dict, targets) -> set:
    """The nodes that send gradient towards one of ``targets``: the only ones worth running.

    A target itself only needs to receive its gradient, not to run.
    """
    needed = set()
    stack = [p for n in targets for p in parents.get(n, ())]
    while stack:
        node = stack.pop()
        if node in needed:
            continue
        needed.add(node)
        stack.extend(parents.get(node, ()))
    return needed


def _accumulate(slot: list, nr: int, grad, be) -> None:
    # Out of place: an incoming array may also be another node's gradient (add sends one
    # array to both of its inputs).
    slot[nr] = grad if slot[nr] is None else be.map(_add, [slot[nr], grad], slot[nr].dtype)


def _add(a, b):
    return a + b


def run_backward(roots: list, retain_graph: bool, capture: dict | None = None,
                 accumulate: bool = True) -> dict:
    """Propagate gradients from ``roots`` to every leaf (or to the ``capture`` targets).

    Parameters
    ----------
    roots : list of ((node, output_nr), grad_array, backend)
    retain_graph : bool
        Keep saved values so that backward can run through the graph again.
    capture : dict, optional
        ``{(node, output_nr): key}``: record the total gradient reaching those outputs.
    accumulate : bool
        Add into leaves' ``.grad`` (``backward``) or not (``autograd.grad``). When False, only
        the nodes between the roots and the ``capture`` targets run, as in torch.

    Returns
    -------
    dict
        ``{key: grad_array}`` for the captured targets that received a gradient.
    """
    buffers: dict = {}
    for (node, nr), grad, be in roots:
        slot = buffers.setdefault(node, [None] * node.n_outputs)
        _accumulate(slot, nr, grad, be)
    deps = _dependencies(list(buffers))
    needed = None
    if not accumulate:
        needed = _needed(_parents(list(buffers)), [node for node, _ in (capture or {})])
    ready = [n for n in buffers if deps[n] == 0]
    captured: dict = {}
    pop, push = buffers.pop, ready.append
    anomaly = _anomaly.enabled
    while ready:
        node = ready.pop()
        grads = pop(node)
        if capture:
            for nr, g in enumerate(grads):
                key = capture.get((node, nr))
                if key is not None and g is not None:
                    captured[key] = g
        if needed is not None and node not in needed:
            continue
        if node.retained:
            _store_retained(node, grads)
        kind = type(node)
        if kind is AccumulateGrad:
            if accumulate and grads[0] is not None:
                leaf = node.leaf()
                if leaf is not None:
                    grad = grads[0]
                    grads = None  # the engine's last reference, unless the array is shared
                    _add_into(leaf, grad, _STEALABLE_REFS)
            continue
        if kind.__base__ is Node and grads[0] is not None:
            # Node.apply and Node.check_saved, inlined: this runs for every recorded op (a
            # primitive's node is of a subclass of Node named as torch's, MulBackward0, ...).
            if node.inputs is _FREED:
                raise RuntimeError(FREED_MESSAGE)
            for counter, version, _ in node._versions:
                if counter.value != version:
                    node.check_saved()
            in_grads = node.op.vjp(node.be, grads[0], node)
        else:
            in_grads = node.apply(grads)
        if anomaly:
            _anomaly.check_outputs(node, in_grads)
        grads = None
        if not retain_graph:
            node.release()
        be = node.be
        for (child, nr), g in zip(node.next, in_grads):
            if child is None:
                continue
            slot = buffers.get(child)
            if slot is None:
                if child.n_outputs == 1:
                    buffers[child] = [g]
                    g = None
                else:
                    slot = buffers[child] = [None] * child.n_outputs
            if g is not None:
                _accumulate(slot, nr, g, be)
            count = deps[child] - 1
            deps[child] = count
            if count == 0:
                push(child)
        in_grads = g = None  # drop references, so that a leaf may take its array over
    return captured


# References to a gradient array held while ``_add_into`` runs from ``run_backward``: the
# engine's slot list (dropped just before), ``_add_into``'s argument, its local name and
# ``getrefcount``'s own argument. One more means someone else holds it.
_STEALABLE_REFS = 3


def _add_into(t, grad, stealable_refs: int = 0) -> None:
    """``t.grad += grad``, in place once ``t.grad`` exists.

    The first gradient becomes ``.grad``: a copy, since the array may be shared with other
    gradients and ``.grad`` is updated in place; or, as torch does, the array itself when
    nothing else refers to it (``stealable_refs``, counted by the caller): a C-contiguous NumPy
    array that no view, node or other gradient holds, whose memory (its ``base``, if it is a
    view) nothing else reaches.
    """
    dtype = t._data.dtype
    if grad.dtype != dtype:
        grad = t._backend().astype(grad, dtype)
    if t.grad is None:
        if not (type(grad) is np.ndarray and grad.flags.c_contiguous
                and getrefcount(grad) <= stealable_refs
                and (grad.base is None or getrefcount(grad.base) == 2)):
            grad = t._backend().copy(grad)
        t._grad = _tensor._wrap(grad, t._device)  # the right shape: no setter check
    else:
        data = t.grad._data
        if any(step == 0 and n > 1 for step, n in zip(data.strides, data.shape)):
            raise RuntimeError(  # a .grad assigned as an expanded view, refused as torch does
                "unsupported operation: more than one element of the written-to tensor refers to "
                "a single memory location. Please clone() the tensor before performing the "
                "operation.")
        if isinstance(data, np.ndarray) and not data.flags.writeable:
            t._grad = _tensor._wrap(t._backend().map(_add, [data, grad], data.dtype), t._device)
        else:
            t._backend().map(_add, [data, grad], data.dtype, out=data)


def _store_retained(node, grads: list) -> None:
    for nr, ref in node.retained.items():
        t = ref()
        if t is not None and grads[nr] is not None:
            _add_into(t, grads[nr])


# Imported last: numbagrad.tensor imports this module (a tensor's version counter), and
# node_names subclasses Node.
from numbagrad import tensor as _tensor  # noqa: E402
from numbagrad.autograd import node_names as _node_names  # noqa: E402
