"""The update path of the optimizers whose kernels live in ``backends/<device>/optim_extra.py``.

:class:`FusedOptimizer` runs :meth:`Optimizer._update_all`'s scheme (up to eight contiguous
parameters of one dtype and one set of scalars per ``<name>_foreach`` call, any other parameter
alone through ``<name>_step`` on contiguous copies) against that kernel module.
"""
from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from numbagrad.optim.optimizer import (_CHUNK, _PADDED, Optimizer, _empty, _flat_item,
                                       _typed_scalars)
from numbagrad.tensor import Tensor

_modules: dict[str, Any] = {}


def kernels(device) -> Any:
    """The further optimizer kernels of ``device``'s backend, imported on first use."""
    module = _modules.get(device.type)
    if module is None:
        try:
            module = importlib.import_module(f"numbagrad.backends.{device.type}.optim_extra")
        except ModuleNotFoundError:
            raise NotImplementedError(
                f"optim: the {device.type} backend has no optimizer kernels yet "
                f"(numbagrad/backends/{device.type}/optim_extra.py)"
            ) from None
        _modules[device.type] = module
    return module


def _run(kernel_name: str, items: list, written: list, key, empty) -> None:
    device, np_type, scalars, flags = key
    kernel = getattr(kernels(device), kernel_name.replace("_step", "_foreach"))
    args = _typed_scalars(scalars, np_type) + flags
    for start in range(0, len(items), _CHUNK):
        chunk = items[start:start + _CHUNK]
        pad = _PADDED[len(chunk)] - len(chunk)
        if pad:
            chunk += [(empty,) * len(chunk[0])] * pad
        kernel(tuple(chunk), *args)
    for t in written:
        t._version.value += 1


class FusedOptimizer(Optimizer):
    """An :class:`Optimizer` whose update kernels are in the backends' ``optim_extra``."""

    def _update_all(self, kernel_name: str, jobs: list) -> None:
        """Run ``kernel_name`` for every ``(p, buffers, scalars, flags)`` of ``jobs``."""
        items: list = []
        written: list = []
        key = be = empty = None
        for p, buffers, scalars, flags in jobs:
            data, dev = p._data, p._device
            if key is None or not (data.dtype == key[1] and scalars == key[2] and flags == key[3]
                                   and (dev is key[0] or dev == key[0])):
                if items:
                    _run(kernel_name, items, written, key, empty)
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
            written.extend(b for b in buffers if b is not None)
        if items:
            _run(kernel_name, items, written, key, empty)

    @staticmethod
    def _update(kernel_name: str, p: Tensor, buffers: list, scalars: tuple,
                flags: tuple) -> None:
        """One parameter alone, on contiguous copies where needed (float16 in float32)."""
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
        flat = be.astype(data, work) if half else be.contiguous(data)
        copies = [] if flat is data else [(p, flat)]
        arrays = []
        for b in buffers:
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
        kernel = getattr(kernels(p._device), kernel_name)
        kernel(flat.reshape(-1), be.contiguous(g).reshape(-1), *arrays,
               *_typed_scalars(scalars, work), *flags)
        for t, c in copies:
            be.assign(t._data, c)
        p._version.value += 1
        for b in buffers:
            b._version.value += 1


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
