"""``Optimizer``: parameter groups, per-parameter state, and torch's state-dict format.

Subclasses (SGD, Adam, ...) check their hyper-parameters, list them in ``defaults`` and write
``step``. Each ``step`` walks the parameters that have a gradient and hands each parameter, its
gradient and its state buffers to a fused kernel of the parameter's backend
(``backends/<device>/optim.py``) through :meth:`Optimizer._update_all`, which updates up to
eight parameters per kernel call.
"""
from __future__ import annotations

import copy
import importlib
import warnings
from collections import defaultdict
from itertools import chain
from typing import Any, Callable, Iterable

import numpy as np

from numbagrad import dtypes
from numbagrad.autograd.grad_mode import enable_grad, no_grad
from numbagrad.tensor import Tensor


class _RequiredParameter:
    """Marks a hyper-parameter that has no default and must be given by every group."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_kernel_modules: dict[str, list] = {}
# The backend modules that hold update kernels: SGD, Adam, AdamW, RMSprop and Adagrad's, then
# the others' (Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop).
_KERNEL_FILES = ("optim", "optim_extra")


def _kernel(device, name: str) -> Any:
    """The update kernel ``name`` of ``device``'s backend, its modules imported on first use."""
    modules = _kernel_modules.get(device.type)
    if modules is None:
        modules = []
        for file in _KERNEL_FILES:
            try:
                modules.append(importlib.import_module(f"numbagrad.backends.{device.type}.{file}"))
            except ModuleNotFoundError:
                pass
        _kernel_modules[device.type] = modules
    for module in modules:
        kernel = getattr(module, name, None)
        if kernel is not None:
            return kernel
    raise NotImplementedError(f"optim: the {device.type} backend has no kernel {name} "
                              f"(numbagrad/backends/{device.type}/optim*.py)")


def _typename(obj) -> str:
    """torch.typename: ``numbagrad.FloatTensor`` for tensors, the qualified class name otherwise."""
    if isinstance(obj, Tensor):
        return f"numbagrad.{dtypes.scalar_name(obj.dtype)}Tensor"
    cls = type(obj)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _scalar(value) -> float:
    """A hyper-parameter as a Python number (a one-element tensor is read out)."""
    return value.item() if isinstance(value, Tensor) else value


def _new_buffer(p: Tensor, fill: float | None = 0.0) -> Tensor:
    """A state buffer shaped like ``p``, on its device; uninitialised when ``fill`` is None."""
    be = p._backend()
    data = be.empty(p._data.shape, p._data.dtype) if fill is None else be.full(
        p._data.shape, fill, p._data.dtype)
    return Tensor._make(data, p.device)


_TYPED_SCALARS: dict = {}


def _typed_scalars(scalars: tuple, np_type) -> tuple:
    """``scalars`` as NumPy scalars of ``np_type``, so that float32 stays float32 inside the
    kernels. Memoised: the same hyper-parameters recur for every parameter and step."""
    key = (scalars, np_type)
    typed = _TYPED_SCALARS.get(key)
    if typed is None:
        if len(_TYPED_SCALARS) > 4096:  # bias corrections change every step: keep it bounded
            _TYPED_SCALARS.clear()
        typed = _TYPED_SCALARS[key] = tuple([np_type.type(s) for s in scalars])
    return typed


def _dense(be, a) -> bool:
    """Whether array ``a`` is C-contiguous (a NumPy array answers without a backend call)."""
    return a.flags.c_contiguous if type(a) is np.ndarray else be.contiguous(a) is a


_EMPTY: dict = {}


def _empty(be, device, np_type):
    """The empty stand-in for a state buffer whose option is off (one per device and dtype)."""
    key = (device.type, device.index, np_type)
    empty = _EMPTY.get(key)
    if empty is None:
        empty = _EMPTY[key] = be.empty((0,), np_type)
    return empty


def _flat_item(be, data, grad, buffers: list, empty) -> tuple | None:
    """``(param, grad, buffers...)`` as flat arrays for a several-parameter kernel (``empty``
    for a buffer that is None), or None when one of them is not a C-contiguous floating array
    of the parameter's shape and dtype."""
    shape, np_type = data.shape, data.dtype
    if (np_type.kind != "f" or np_type.itemsize == 2 or grad.shape != shape
            or grad.dtype != np_type
            or not (_dense(be, data) and _dense(be, grad))):
        return None
    item = [data.ravel(), grad.ravel()]  # views: both are C-contiguous
    for b in buffers:
        if b is None:
            item.append(empty)
            continue
        a = b._data
        if a.shape != shape or a.dtype != np_type or not _dense(be, a):
            return None
        item.append(a.ravel())
    return tuple(item)


# Parameters per several-parameter call, and the tuple length each count is padded to (with
# empty items): a kernel compiles one version per length, so at most four per dtype and options.
_CHUNK = 8
_PADDED = (0, 1, 2, 4, 4, 8, 8, 8, 8)
_foreach_kernels: dict = {}


def _update_run(kernel_name: str, items: list, written: list, key, empty) -> None:
    """Update the parameters whose flat arrays are ``items`` (sharing ``key``: device, dtype,
    scalars, flags) with ``<kernel_name>_foreach``, then bump the version counters of
    ``written``, the tensors the kernel wrote. ``empty`` is the run's stand-in array, which
    also pads the last call."""
    device, np_type, scalars, flags = key
    kernel = _foreach_kernels.get((device.type, kernel_name))
    if kernel is None:
        kernel = _foreach_kernels[device.type, kernel_name] = _kernel(
            device, kernel_name.replace("_step", "_foreach"))
    args = _typed_scalars(scalars, np_type) + flags
    for start in range(0, len(items), _CHUNK):
        chunk = items[start:start + _CHUNK]
        pad = _PADDED[len(chunk)] - len(chunk)
        if pad:
            chunk += [(empty,) * len(chunk[0])] * pad
        kernel(tuple(chunk), *args)
    for t in written:
        t._version.value += 1


def _no_grad_step(step: Callable) -> Callable:
    """Run an optimizer's ``step`` with grad mode off, as torch does: the update is not recorded.
    (``no_grad`` as a decorator: it sets the mode directly, without a context manager.)"""
    return no_grad()(step)


class Optimizer:
    """Base class of all optimizers.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The tensors to optimize, or parameter groups: dicts with a ``"params"`` entry and any
        hyper-parameters that override ``defaults`` for that group.
    defaults : dict
        Default hyper-parameters, filled into every group that does not set them.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group: ``"params"`` (a list of tensors) and every hyper-parameter.
    state : collections.defaultdict
        Per-parameter state (``self.state[p]``: a dict of tensors such as ``"exp_avg"``).
    defaults : dict

    Raises
    ------
    TypeError
        If ``params`` is a single tensor, or contains something other than tensors.
    ValueError
        If ``params`` is empty, a tensor is not a leaf, or a tensor is in two groups.

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.ones(2, requires_grad=True)
    >>> opt = torch.optim.SGD([{"params": [w], "lr": 0.5}])
    >>> opt.param_groups[0]["lr"]
    0.5
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got " + _typename(params)
            )
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.defaults.setdefault("differentiable", False)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ----------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with its own hyper-parameters, to ``param_groups``.

        Parameters
        ----------
        param_group : dict
            ``"params"`` (a tensor or an ordered iterable of tensors, or of ``(name, tensor)``
            pairs) and any hyper-parameters; missing ones are taken from ``defaults``.

        Raises
        ------
        TypeError
            If ``param_group`` is not a dict, its params are a set, or one is not a tensor.
        ValueError
            If a parameter is not a leaf, a required hyper-parameter is missing, or a parameter
            already belongs to another group.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                )
            param_group["param_names"] = names
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    + _typename(param)
                )
            if not self.defaults.get("differentiable", None) and not (
                param.is_leaf or param.retains_grad
            ):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization parameter "
                    f"{name}"
                )
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this "
                "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                stacklevel=3,
            )
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ----------------------------------------------------------------- gradients and steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        Parameters
        ----------
        set_to_none : bool
            Set each ``.grad`` to None (the default) instead of filling it with zeros. A
            parameter whose grad is None is skipped by ``step``; one whose grad is zero is
            still updated (momentum and weight decay keep moving it).
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    @_no_grad_step
    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one optimization step: update every parameter that has a gradient.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss (run with gradients enabled).

        Returns
        -------
        The closure's loss, or None.
        """
        if type(self)._step_group is Optimizer._step_group:
            raise NotImplementedError  # the base class has no update rule, as torch's
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                self._step_group(group, params)
        return loss

    def _step_group(self, group: dict, params: list) -> None:
        """Update ``params``, the parameters of ``group`` that have a gradient (each optimizer
        defines it)."""
        raise NotImplementedError

    @staticmethod
    def _closure_loss(closure: Callable[[], Any] | None):
        """Evaluate ``closure`` with gradients recorded (``step`` itself runs under no_grad)."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    @staticmethod
    def _new_step() -> Tensor:
        """A new ``step`` counter as torch keeps it: a 0-d tensor of the default float dtype,
        on the CPU whatever the parameter's device (the count is read in Python each step)."""
        return Tensor._make(np.zeros((), dtypes.get_default_dtype().np_type))

    @staticmethod
    def _advance(step_t: Tensor) -> float:
        """``step_t += 1`` in place; the new count as a Python float."""
        count = float(step_t._data) + 1
        step_t._data.fill(count)  # rounded to the counter's dtype, as += 1 would be
        step_t._version.value += 1
        return float(step_t._data)

    @staticmethod
    def _put(t: Tensor, value: float) -> None:
        """``t.fill_(value)`` for a 0-d state tensor the Python part keeps (NAdam's
        ``mu_product``, ASGD's ``eta`` and ``mu``): written in NumPy, so that a compiled step's
        capture does not record it as a kernel, and undone as ``_advance`` is when a compiled
        call's collection is abandoned."""
        t._data.fill(value)
        t._version.value += 1

    # ----------------------------------------------------------------- scalar-only step
    # What a compiled step needs of ``step`` at each call is the scalars its update kernels
    # receive: an optimizer that defines the four methods below (and marks its ``_step_group``
    # as ``_fast_step_group``) lets :mod:`numbagrad.compile.collect` compute them per group,
    # without walking the parameters through ``_update_all``. Its ``_step_group`` computes its
    # scalars with the same methods, so the two cannot differ.
    _COUNTERS: tuple = ("step",)  # the 0-d state tensors the Python part reads and writes
    _fast_step_group = None  # the ``_step_group`` the methods below describe

    def _group_values(self, group: dict) -> tuple:
        """The group's hyper-parameters as ``_scalars`` and ``_buffer_keys`` read them."""
        raise NotImplementedError

    def _buffer_keys(self, values: tuple) -> tuple:
        """The state keys of the buffers handed to the kernel, in order (None: an empty one)."""
        raise NotImplementedError

    def _counters_next(self, values: tuple, before: list, types: list) -> tuple:
        """The values the ``_COUNTERS`` hold after a step, from those they held before
        (``types``: their NumPy scalar types, which round what is stored). By default a step
        count advanced as :meth:`_advance` does (nothing without counters)."""
        return (float(types[0](before[0] + 1)),) if types else ()

    def _scalars(self, values: tuple, before, after: tuple, np_type) -> tuple:
        """``(scalars, flags)`` handed to the update kernel of a parameter of dtype
        ``np_type``, from the group's ``values`` and the counters before and after the step."""
        raise NotImplementedError

    def _update_all(self, kernel_name: str, jobs: list) -> None:
        """Run the update ``kernel_name`` for every ``(p, buffers, scalars, flags)`` of ``jobs``.

        Consecutive parameters that share a device, a dtype, the scalars and the flags, and whose
        parameter, gradient and buffers are C-contiguous arrays of the parameter's shape and
        dtype, go to the backend's ``<kernel_name>_foreach`` together, up to eight per call. Any
        other parameter goes through :meth:`_update` alone, which copies what is not contiguous
        and raises for what does not fit.
        """
        items: list = []
        written: list = []
        key = be = empty = None
        for p, buffers, scalars, flags in jobs:
            data, dev = p._data, p._device
            if key is None or not (data.dtype == key[1] and scalars == key[2] and flags == key[3]
                                   and (dev is key[0] or dev == key[0])):
                if items:
                    _update_run(kernel_name, items, written, key, empty)
                    items, written = [], []
                key = (dev, data.dtype, scalars, flags)
                be = p._backend()
                empty = _empty(be, dev, data.dtype)
            item = _flat_item(be, data, p.grad._data, buffers, empty)
            if item is None:
                self._update(kernel_name, p, buffers, scalars, flags)
                continue
            items.append(item)
            written.append(p)
            for b in buffers:
                if b is not None:
                    written.append(b)
        if items:
            _update_run(kernel_name, items, written, key, empty)

    @staticmethod
    def _update(kernel_name: str, p: Tensor, buffers: list[Tensor | None], scalars: tuple,
                flags: tuple) -> None:
        """Run ``kernel_name`` of ``p``'s backend once over ``p``, its gradient and ``buffers``.

        The arrays reach the kernel flat and C-contiguous (a non-contiguous one is copied and
        written back after); ``scalars`` are converted to ``p``'s dtype so that float32 stays
        float32 inside the kernel. ``None`` buffers (options that are off) become empty arrays.
        float16 tensors are updated in float32 copies written back rounded (the kernels cannot
        compute in float16). Bumps the version counters of everything written.
        """
        data = p._data
        g = p.grad._data
        shape, np_type = data.shape, data.dtype
        if g.shape != shape:
            raise RuntimeError(
                f"optim: the gradient has shape {list(g.shape)} but the parameter has shape "
                f"{list(shape)}"
            )
        if np_type.kind != "f":
            raise RuntimeError(f"optim: cannot optimize a tensor of dtype {p.dtype}")
        be = p._backend()
        half = np_type.itemsize == 2
        work = np.dtype(np.float32) if half else np_type
        if g.dtype != work:
            g = be.astype(g, work)
        # contiguous() returns a contiguous array itself: the kernel then writes in place;
        # a copy (or a float32 copy of a float16 tensor) is written back after.
        flat = be.astype(data, work) if half else be.contiguous(data)
        copies = [] if flat is data else [(p, flat)]
        arrays = []
        for b in buffers:
            if b is None:
                arrays.append(_empty(be, p._device, work))
                continue
            a = b._data
            if a.shape != shape or a.dtype != np_type:
                raise RuntimeError(
                    f"optim: a state buffer has shape {list(b.shape)} and dtype {b.dtype}, but "
                    f"its parameter has shape {list(p.shape)} and dtype {p.dtype}"
                )
            c = be.astype(a, work) if half else be.contiguous(a)
            if c is not a:
                copies.append((b, c))
            arrays.append(c.reshape(-1))
        kernel = _kernel(p._device, kernel_name)
        kernel(flat.reshape(-1), be.contiguous(g).reshape(-1), *arrays,
               *_typed_scalars(scalars, work), *flags)
        for t, c in copies:
            be.assign(t._data, c)
        p._version.value += 1
        for b in buffers:
            if b is not None:
                b._version.value += 1

    # ----------------------------------------------------------------- state dict
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in torch's format.

        Returns
        -------
        dict
            ``"state"``: per-parameter state keyed by the parameter's integer index (counting
            through the groups in order); ``"param_groups"``: each group's hyper-parameters with
            ``"params"`` as a list of those indices. The state tensors are the optimizer's own
            (not copies), as in torch: deep-copy the dict to keep a snapshot.
        """
        mapping: dict[int, int] = {}
        start = 0

        def pack_group(group: dict[str, Any]) -> dict[str, Any]:
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            mapping.update(
                {id(p): i for i, p in enumerate(group["params"], start) if id(p) not in mapping}
            )
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {
            (mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()
        }
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state produced by :meth:`state_dict` into this optimizer.

        Parameters
        ----------
        state_dict : dict
            Its groups must match this optimizer's groups in number and sizes; parameters are
            matched by position. State tensors are converted to each parameter's dtype and
            device (``step`` is kept as it is), and group hyper-parameters are replaced.

        Raises
        ------
        ValueError
            If the number of groups or the size of a group differs.
        """
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param: Tensor, value, key=None):
            if isinstance(value, Tensor):
                if key == "step":
                    return value
                if param.is_floating_point():
                    return value.to(dtype=param.dtype, device=param.device)
                return value.to(device=param.device)
            if isinstance(value, dict):
                return {k: cast(param, v, key=k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v)
            else:
                state[k] = v

        def update_group(group: dict[str, Any], new_group: dict[str, Any]) -> dict[str, Any]:
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})


def check_lr(lr) -> None:
    """torch's checks of a learning rate (a float or a one-element tensor)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_betas_eps_wd(betas, eps, weight_decay) -> None:
    """torch's checks of ``betas``, ``eps`` and ``weight_decay`` (Adam's family)."""
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
