"""User-defined differentiable operations: torch's ``autograd.Function``.

A subclass writes ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as static methods
and is called through ``.apply(*args)``. ``forward`` runs under ``no_grad`` on tensors; when an
input requires grad, the outputs get one :class:`FunctionNode`, which the graph engine treats
like any other node: its ``apply`` calls the user's ``backward`` and checks what comes back.
"""
from __future__ import annotations

import functools

from numbagrad.autograd.grad_mode import _enabled, no_grad
from numbagrad.autograd.graph import FREED_MESSAGE, version_error
from numbagrad.ops.registry import _edge

_FREED = object()


_Tensor = None


def _tensor_class():
    # Imported on first use (tensor.py imports autograd), then kept: apply is a hot path.
    global _Tensor
    if _Tensor is None:
        from numbagrad.tensor import Tensor

        _Tensor = Tensor
    return _Tensor


class FunctionCtx:
    """The ``ctx`` that ``forward`` fills and ``backward`` reads.

    Any attribute may be set on it (``ctx.alpha = 2``). Tensors that ``backward`` needs go
    through :meth:`save_for_backward`, so that in-place changes after ``forward`` are detected.

    Attributes
    ----------
    needs_input_grad : tuple of bool
        For each argument of ``forward``: whether its gradient will be used.
    materialize_grads : bool
        Whether ``backward`` receives zeros (True, the default) or None for outputs that got
        no gradient.
    """

    def __init__(self) -> None:
        self.needs_input_grad: tuple = ()
        self.materialize_grads = True
        self._saved: object = ()
        self._non_differentiable: list = []
        self._dirty: list = []
        self._node_name = "Backward"

    def save_for_backward(self, *tensors) -> None:
        """Keep ``tensors`` (or None) for ``backward``, with their current versions.

        Raises
        ------
        TypeError
            If an argument is neither a Tensor nor None.
        """
        Tensor = _tensor_class()
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type "
                    f"{type(t).__name__}"
                )
        self._saved = tuple(None if t is None else (t, t._version.value) for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to :meth:`save_for_backward`.

        Raises
        ------
        RuntimeError
            If one was modified in place since it was saved, or the graph was already freed by
            a backward pass without ``retain_graph=True``.
        """
        if self._saved is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        out = []
        for entry in self._saved:
            if entry is None:
                out.append(None)
                continue
            t, version = entry
            if t._version.value != version:
                raise RuntimeError(version_error(t.dtype.name, t.shape, t._version.value,
                                                 version, self._node_name))
            out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs of ``forward`` that have no gradient (indices, masks).

        They do not require grad; ``backward`` still receives a (zero) gradient for them.
        """
        self._non_differentiable.extend(tensors)

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that ``forward`` modified in place (and returns as outputs)."""
        self._dirty.extend(tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` gets zeros (True, default) or None for gradient-less outputs."""
        self.materialize_grads = bool(value)


class FunctionNode:
    """The graph node of one :meth:`Function.apply` call; ``name()`` is ``<Class>Backward``.

    Unknown attributes are read from the ``ctx``, as on torch's ``grad_fn`` (which is the ctx).
    """

    __slots__ = ("cls", "ctx", "be", "device", "next", "needs", "in_meta", "n_outputs",
                 "out_meta", "retained", "__weakref__")

    def __init__(self, cls, ctx, be, device, next_edges, needs, in_meta, out_meta) -> None:
        self.cls = cls
        self.ctx = ctx
        self.be = be
        self.device = device
        self.next = next_edges
        self.needs = needs
        self.in_meta = in_meta
        self.n_outputs = len(out_meta)
        self.out_meta = out_meta
        self.retained = None

    def __getattr__(self, name: str):
        if name == "ctx":
            raise AttributeError(name)
        return getattr(self.ctx, name)

    def name(self) -> str:
        """torch's name for this node, e.g. ``MyReluBackward``."""
        return f"{self.cls.__name__}Backward"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        """The nodes this one sends gradients to, as torch's ``grad_fn.next_functions``."""
        return tuple(self.next)

    def apply(self, grads: list) -> tuple:
        """Call the user's ``backward`` and check its gradients against the inputs."""
        Tensor = _tensor_class()
        if self.ctx.materialize_grads and any(g is None for g in grads):
            grads = [self.be.zeros(*meta) if g is None and meta is not None else g
                     for g, meta in zip(grads, self.out_meta)]
        wrapped = [None if g is None else Tensor._make(g, self.device) for g in grads]
        user_fn = self.cls.backward
        if self.cls.vjp is not Function.vjp:
            if user_fn is not Function.backward:
                raise RuntimeError(
                    "Implementing both 'backward' and 'vjp' for a custom Function is not allowed. "
                    "You should only implement one of them."
                )
            user_fn = self.cls.vjp
        token = _enabled.set(False)  # backward is not itself recorded (no create_graph)
        try:
            result = user_fn(self.ctx, *wrapped)
        finally:
            _enabled.reset(token)
        if not isinstance(result, tuple):
            result = (result,)
        return self._check(result)

    def _check(self, result: tuple) -> tuple:
        """Gradient arrays, one per forward argument: counted, shape-checked, cast."""
        Tensor = _tensor_class()
        name = self.name()
        n = len(self.in_meta)
        if len(result) > n and all(g is None for g in result[n:]):
            result = result[:n]
        if len(result) != n:
            raise RuntimeError(
                f"function {name} returned an incorrect number of gradients (expected {n}, "
                f"got {len(result)})"
            )
        out = []
        for i, (g, meta) in enumerate(zip(result, self.in_meta)):
            if g is None:
                out.append(None)
                continue
            if meta is None:
                raise RuntimeError(
                    f"function {name} returned a gradient different than None at position "
                    f"{i + 1}, but the corresponding forward input was not a Variable"
                )
            if not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if not self.needs[i]:
                out.append(None)
                continue
            out.append(self._conform(i, g, meta))
        return tuple(out)

    def _conform(self, i: int, g, meta):
        from numbagrad.ops.registry import unbroadcast

        shape, dtype = meta
        array = g._data
        if tuple(array.shape) != tuple(shape):
            if not _expandable(shape, array.shape):
                raise RuntimeError(
                    f"Function {self.name()} returned an invalid gradient at index {i} - got "
                    f"{list(array.shape)} but expected shape compatible with {list(shape)}"
                )
            array = unbroadcast(self.be, array, tuple(shape))
        if array.dtype != dtype:
            array = self.be.astype(array, dtype)
        return array

    def release(self) -> None:
        """Free the saved tensors once backward has used them (unless the graph is retained)."""
        if self.ctx._saved:
            self.ctx._saved = _FREED


_NODE_CLASSES: dict = {}


def _node_class(cls) -> type:
    """The node class of Function ``cls``, named ``<Class>Backward`` as torch names it."""
    node_cls = _NODE_CLASSES.get(cls)
    if node_cls is None:
        node_cls = _NODE_CLASSES[cls] = type(f"{cls.__name__}Backward", (FunctionNode,),
                                             {"__slots__": (), "__module__": __name__})
    return node_cls


def _expandable(shape, target) -> bool:
    """Whether ``shape`` broadcasts to ``target`` (a gradient of that shape can be summed)."""
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target)))


class Function:
    """Base class of user-defined differentiable operations, as torch's.

    Write ``forward(ctx, *args, **kwargs)`` and ``backward(ctx, *grad_outputs)`` as static
    methods; call the operation as ``MyFunction.apply(*args)``. ``backward`` returns one
    gradient per argument of ``forward`` (None for non-tensors and for inputs that need none).
    Alternatively ``forward(*args)`` with a separate ``setup_context(ctx, inputs, output)``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> class Square(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         x, = ctx.saved_tensors
    ...         return 2 * x * grad
    >>> x = torch.tensor([3.0], requires_grad=True)
    >>> Square.apply(x).sum().backward()
    >>> x.grad
    tensor([6.])
    """

    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError(
            f"{type(self).__name__}: autograd.Function is not instantiated; call "
            f"{type(self).__name__}.apply(...) with static forward and backward methods"
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """The operation on tensors (runs under ``no_grad``)."""
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx, inputs: tuple, output) -> None:
        """Fill ``ctx`` from the inputs and output, when ``forward`` takes no ``ctx``."""
        raise NotImplementedError("setup_context is not overridden.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """The gradient of each input of ``forward`` from the gradient of each output."""
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, when an input requires grad, record the node for backward.

        Returns
        -------
        What ``forward`` returns, its floating-point tensors now part of the graph.
        """
        Tensor = _tensor_class()
        ctx = FunctionCtx()
        ctx._node_name = f"{cls.__name__}Backward"
        recording = _enabled.get()
        ctx.needs_input_grad = tuple(recording and isinstance(a, Tensor) and a.requires_grad
                                     for a in args)
        edges = tuple(_edge(a) if need else (None, 0)
                      for a, need in zip(args, ctx.needs_input_grad))
        with no_grad():
            if cls.setup_context is not Function.setup_context:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if not any(ctx.needs_input_grad):
            return output
        return _attach(cls, ctx, args, edges, output)


def _attach(cls, ctx, args: tuple, edges: tuple, output):
    """Give ``output``'s floating-point tensors a :class:`FunctionNode` as their grad_fn."""
    Tensor = _tensor_class()
    is_tuple = isinstance(output, tuple)
    outs = list(output) if is_tuple else [output]
    first = next(a for a in args if isinstance(a, Tensor))
    dirty = {id(t) for t in ctx._dirty}
    non_diff = {id(t) for t in ctx._non_differentiable}
    input_ids = {id(a) for a in args if isinstance(a, Tensor)}
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor):
            continue
        if id(o) in dirty:
            if o.is_leaf and o.requires_grad:
                raise RuntimeError(
                    "a leaf Variable that requires grad has been used in an in-place operation."
                )
        elif id(o) in input_ids:
            # Returned unchanged: an alias, so the input keeps its own place in the graph.
            outs[k] = Tensor._make(o._data, o._device, base=o)
    in_meta = tuple((a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None
                    for a in args)
    out_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None
                     for o in outs)
    node = _node_class(cls)(cls, ctx, first._backend(), first._device, edges,
                            ctx.needs_input_grad, in_meta, out_meta)
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor) or not o.dtype.is_floating_point or id(o) in non_diff:
            continue
        o._requires_grad = True
        o.grad_fn = node
        o._output_nr = k
    return tuple(outs) if is_tuple else outs[0]


def once_differentiable(fn):
    """Decorator for ``backward``: a no-op in numbagrad, whose backward is never differentiated."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)

    return wrapper
