"""``Tensor``: an array, its gradient, and the node of the graph that made it.

The data is a NumPy array on the CPU (a Numba device array on a GPU), possibly a view of another
tensor's data, as in torch. Operators and methods call the functions in :mod:`numbagrad.ops`;
this module holds only the tensor's state, conversions and autograd entry points.
"""
from __future__ import annotations

import numpy as np

from numbagrad import dtypes
from numbagrad.autograd.grad_mode import _enabled
from numbagrad.autograd.graph import VersionCounter, run_backward
from numbagrad.backends import get as _get_backend
from numbagrad.backends.layout import is_c_contiguous
from numbagrad.device import CPU, as_device


class Size(tuple):
    """A tensor's shape: a tuple of ints, printed as torch prints it."""

    def __repr__(self) -> str:
        return f"numbagrad.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        n = 1
        for s in self:
            n *= s
        return n


class Tensor:
    """A multi-dimensional array that can record operations for automatic differentiation.

    Build tensors with :func:`numbagrad.tensor`, :func:`numbagrad.zeros`, :func:`numbagrad.randn`
    and friends. The constructor is torch's legacy one: ``Tensor([1, 2])`` holds the data in the
    default float type, ``Tensor(2, 3)`` (or ``Tensor(size)``) is uninitialised, ``Tensor()``
    is empty, and ``Tensor(other_tensor)`` shares ``other_tensor``'s data. The ``dtype`` and
    ``requires_grad`` keywords are numbagrad's: with them ``Tensor(data, dtype=...)`` behaves as
    ``numbagrad.tensor(data, dtype=...)``.

    Attributes
    ----------
    grad : Tensor or None
        The gradient accumulated by ``backward()`` (leaves, and non-leaves after ``retain_grad``).
    grad_fn : Node or None
        The graph node that produced this tensor; None for leaves.
    requires_grad : bool
        Whether operations on this tensor are recorded.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_output_nr", "_version",
                 "_accumulator", "_base", "_device", "_retains_grad", "__weakref__")
    # NumPy defers to Tensor's reflected operators (np.float32(2) * t calls t.__rmul__).
    __array_ufunc__ = None

    def __init__(self, *args, dtype=None, device=None, requires_grad: bool = False) -> None:
        from numbagrad.creation import legacy_array

        array, where = legacy_array("new", args, dtype, strict=dtype is None)
        self._init(array, where)
        _alias(self, args)
        if device is not None and as_device(device) != where:
            moved = self.to(device)
            self._data, self._device = moved._data, moved._device
        self.requires_grad = requires_grad

    def _init(self, array, device) -> None:
        self._data = array
        self._requires_grad = False
        self._grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._version = VersionCounter()
        self._accumulator = None
        self._base = None
        self._device = device
        self._retains_grad = False

    @classmethod
    def _make(cls, array, device=CPU, base=None) -> Tensor:
        """Wrap a backend array without copying; ``base`` marks a view sharing its versions."""
        t = _wrap(array, device) if cls is Tensor else _new(cls, array, device)
        if base is not None:
            t._base = base._base if base._base is not None else base
            t._version = base._version
        return t

    def _backend(self):
        return _get_backend(self._device.type)

    # ----------------------------------------------------------------- attributes
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for backward."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if value and not self.dtype.is_floating_point:
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients "
                f"(this tensor is {self.dtype})"
            )
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        self._requires_grad = value

    @property
    def grad(self):
        """The gradient accumulated by ``backward()``, or None (see the class docstring)."""
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        # Checked here, where every assignment passes: the engine adds into ``.grad`` in place
        # and the optimizers read it with kernels that do not check bounds.
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return ``self``."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self.grad_fn is None

    @property
    def dtype(self) -> dtypes.dtype:
        """The element type."""
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        """Where the data lives."""
        return self._device

    @property
    def __cuda_array_interface__(self) -> dict:
        """The GPU memory of a CUDA tensor, for CuPy, PyTorch or Numba to read without a copy.

        Raises
        ------
        AttributeError
            For a tensor that is not on a GPU (as torch).
        RuntimeError
            For a tensor that requires grad: ``detach()`` it first (as torch).
        """
        if self._device.type != "cuda":
            raise AttributeError("Can't get __cuda_array_interface__ on a tensor on "
                                 f"{self._device}")
        if self._requires_grad:
            raise RuntimeError("Can't get __cuda_array_interface__ on Variable that requires "
                               "grad. If gradients aren't required, use var.detach() to get "
                               "Variable that doesn't require grad.")
        return self._data.__cuda_array_interface__

    @property
    def is_cuda(self) -> bool:
        """True when the data lives on a GPU."""
        return self._device.type == "cuda"

    @property
    def shape(self) -> Size:
        """The size of each dimension."""
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_dim(dim, self._data.ndim, "size", scalar_ok=False)]

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.dtype.itemsize

    def is_floating_point(self) -> bool:
        """True for float16, float32 and float64 tensors."""
        return self.dtype.is_floating_point

    def is_contiguous(self) -> bool:
        """True when the elements are laid out in row-major order without gaps."""
        return is_c_contiguous(self._data.shape, self.stride())

    def stride(self, dim: int | None = None):
        """Steps in elements between neighbours along each dimension."""
        item = self._data.dtype.itemsize
        strides = tuple(s // item for s in self._data.strides)
        return strides if dim is None else strides[_dim(dim, self._data.ndim, "stride",
                                                        scalar_ok=False)]

    @property
    def data(self) -> Tensor:
        """The same data, detached from the graph and from version tracking (as torch)."""
        return Tensor._make(self._data, self._device)

    @data.setter
    def data(self, other: Tensor) -> None:
        self._data = other._data

    # ----------------------------------------------------------------- conversions
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array, sharing memory on the CPU.

        Raises
        ------
        RuntimeError
            If the tensor requires grad (call ``detach()`` first, as torch asks).
        """
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        if self._device.type != "cpu":
            raise TypeError(
                f"can't convert {self._device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        array = self._backend().to_host(self._data)
        if dtype is not None:
            return array.astype(dtype, copy=bool(copy))
        # np.array(t) passes copy=True and trusts the answer: hand back a copy, not our memory.
        return array.copy() if copy else array

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._backend().to_host(self._data).reshape(-1)[0].item()

    def tolist(self):
        """The data as (nested) Python lists of numbers."""
        return self._backend().to_host(self._data).tolist()

    def _scalar_value(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __float__(self) -> float:
        return float(self._scalar_value())

    def __int__(self) -> int:
        return int(self._scalar_value())

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous"
                f" (it has {self._data.size} elements)"
            )
        return bool(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    # Identity hashing, as torch (tensors key optimizer state); object's C slot, since
    # __eq__ is elementwise and would otherwise leave the class unhashable.
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        from numbagrad._tensor_str import tensor_repr

        return tensor_repr(self)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (np.asarray(self), self.requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment."
            )
        t = Tensor._make(self._backend().copy(self._data), self._device)
        t._requires_grad = self._requires_grad
        if self.grad is not None:
            t.grad = Tensor._make(self._backend().copy(self.grad._data), self._device)
        memo[id(self)] = t
        return t

    # ----------------------------------------------------------------- autograd
    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after ``backward()``."""
        import weakref

        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        node = self.grad_fn
        if node.retained is None:
            node.retained = {}
        node.retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        """True after ``retain_grad()`` on a non-leaf."""
        return self._retains_grad

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False,
                 inputs=None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on.

        Parameters
        ----------
        gradient : Tensor, optional
            The gradient of some scalar with respect to this tensor; required unless this
            tensor has one element.
        retain_graph : bool, optional
            Keep the saved values so that backward can run through the graph again.
        create_graph : bool
            Not supported: numbagrad's derivative rules are not themselves differentiable.
        inputs : sequence of Tensor, optional
            Accumulate only into these tensors' ``.grad``.
        """
        if (gradient is None and inputs is None and not create_graph and self.grad_fn is not None
                and self._data.size == 1):
            # loss.backward(): seeded with one, straight to the engine (every training step).
            be = self._backend()
            seed = be.full(self._data.shape, 1, self._data.dtype)
            run_backward([((self.grad_fn, self._output_nr), seed, be)], bool(retain_graph))
            return
        from numbagrad.autograd.functional import backward

        backward([self], None if gradient is None else [gradient], retain_graph, create_graph,
                 inputs=inputs)

    def detach(self) -> Tensor:
        """The same data, cut from the graph; it shares data and version counter with ``self``.

        Unlike views made by differentiable ops, a detached tensor may be modified in place
        while gradients are recorded (as in torch): no graph links it to ``self``.
        """
        t = Tensor._make(self._data, self._device)
        t._version = self._version
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place."""
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self


class _TensorType(type):
    """The metaclass of ``FloatTensor``, ``LongTensor``...: calling one makes a :class:`Tensor`
    of its dtype, and ``isinstance(t, FloatTensor)`` tests the dtype of a CPU tensor, as torch.
    """

    dtype: dtypes.dtype

    def __instancecheck__(cls, obj) -> bool:
        return (isinstance(obj, Tensor) and obj._device.type == "cpu"
                and obj._data.dtype == cls.dtype.np_type)

    def __call__(cls, *args, device=None) -> Tensor:
        from numbagrad.creation import legacy_array

        if device is not None and as_device(device) != CPU:
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: "
                               f"{as_device(device).type} was passed")
        array, where = legacy_array(cls.__name__, args, cls.dtype, strict=True)
        return _alias(Tensor._make(array, where), args)


def _alias(t: Tensor, args: tuple) -> Tensor:
    """``t``, sharing the version counter of the tensor it was made from when it shares its
    data (``Tensor(other)`` is an alias, as torch's)."""
    if len(args) == 1 and isinstance(args[0], Tensor) and t._data is args[0]._data:
        t._version = args[0]._version
    return t


def _tensor_type(d: dtypes.dtype) -> _TensorType:
    name = f"{dtypes.scalar_name(d)}Tensor"
    doc = (f"""``{name}(data)`` or ``{name}(*sizes)``: a :class:`Tensor` of dtype {d!r}.

    Made from a sequence (converted, floats truncated toward zero for integer types), from a
    {d.name} tensor (sharing its data), or from sizes (uninitialised). ``isinstance(t, {name})``
    is true for CPU tensors of that dtype.
    """)
    return _TensorType(name, (), {"dtype": d, "__doc__": doc, "__module__": "numbagrad"})


FloatTensor = _tensor_type(dtypes.float32)
DoubleTensor = _tensor_type(dtypes.float64)
HalfTensor = _tensor_type(dtypes.float16)
ByteTensor = _tensor_type(dtypes.uint8)
CharTensor = _tensor_type(dtypes.int8)
ShortTensor = _tensor_type(dtypes.int16)
IntTensor = _tensor_type(dtypes.int32)
LongTensor = _tensor_type(dtypes.int64)
BoolTensor = _tensor_type(dtypes.bool_)


def _check_grad(t: Tensor, grad) -> None:
    """torch's refusals of a ``.grad`` that is not a tensor of ``t``'s shape, dtype and device."""
    if not isinstance(grad, Tensor):
        raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                        f"{type(grad).__name__}")
    if grad._device != t._device:
        raise RuntimeError(f"attempting to assign a gradient with device type "
                           f"'{grad._device.type}' to a tensor with device type "
                           f"'{t._device.type}'. Please ensure that the gradient and the tensor "
                           "are on the same device")
    if grad.dtype is not t.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{dtypes.c_type_name(grad.dtype)}' to a "
            f"tensor with grad_dtype '{dtypes.scalar_name(t.dtype)}'. The gradient must match "
            "the tensor's grad_dtype (defaults to the tensor's dtype).")
    if grad.shape != t.shape:
        raise RuntimeError(f"attempting to assign a gradient of size '{list(grad.shape)}' to a "
                           f"tensor of size '{list(t.shape)}'. Please ensure that the gradient "
                           "and the tensor are the same size")


def _new(cls, array, device) -> Tensor:
    t = cls.__new__(cls)
    t._init(array, device)
    return t


def _wrap(array, device=CPU) -> Tensor:
    """``Tensor._make(array, device)`` for the hot path (every op's result): ``_init`` inlined,
    one Python call fewer per tensor."""
    t = _tensor_new(Tensor)
    t._data = array
    t._requires_grad = False
    t._grad = None
    t.grad_fn = None
    t._output_nr = 0
    t._version = VersionCounter()
    t._accumulator = None
    t._base = None
    t._device = device
    t._retains_grad = False
    return t


_tensor_new = object.__new__


def _rebuild(array, requires_grad):
    t = Tensor._make(np.array(array))
    t.requires_grad = requires_grad
    return t


def _dim(dim: int, ndim: int, op: str, scalar_ok: bool = True) -> int:
    """``dim`` as a non-negative index, or IndexError naming the op and the range.

    A 0-d tensor accepts dims 0 and -1 (as torch's reductions do) unless ``scalar_ok`` is False,
    for lookups such as ``size(dim)`` that need a real dimension.
    """
    if ndim == 0 and not scalar_ok:
        raise IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
            f"but got {dim})"
        )
    return dim % n


def wrap_dim(dim: int, ndim: int, op: str) -> int:
    """Public name of the dimension check used by ops: negative dims count from the end."""
    return _dim(dim, ndim, op)


def grad_enabled() -> bool:
    """Whether grad mode is on (a fast read for hot paths)."""
    return _enabled.get()
