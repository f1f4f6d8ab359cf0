"""Moving tensors between devices: ``to(device)``, ``cuda()``, ``cpu()``.

The move is differentiable, as in torch: the gradient of the result, on the new device, is
copied back to the device the input came from.
"""
from __future__ import annotations

from numbagrad import cuda
from numbagrad.autograd.grad_mode import _enabled
from numbagrad.autograd.node_names import class_named
from numbagrad.backends import get as get_backend
from numbagrad.device import device as Device
from numbagrad.ops.registry import OpDef, _edge, register
from numbagrad.tensor import _wrap


def _copy_across(array, source: Device, target: Device):
    """``array`` (on ``source``) copied to ``target``; always a new array."""
    host = get_backend(source.type).to_host(array)
    if target.type == "cpu":
        return host if source.type != "cpu" else host.copy()
    return get_backend(target.type).from_host(host)


def _move_forward(be, x, source, target):
    return _copy_across(x, source, target)


def _move_vjp(be, g, node):
    """The gradient goes back to where the input lives."""
    return (_copy_across(g, node.attrs["target"], node.attrs["source"]),)


MOVE = register(OpDef("to_device", _move_forward, _move_vjp, kernels=("to_host", "from_host"),
                      doc="A copy of a tensor on another device."))


def resolve(device: Device) -> Device:
    """``device`` with its GPU number filled in and checked."""
    if device.type == "cpu":
        return device
    if not cuda.is_available():
        raise RuntimeError(f"to({device}): {cuda.NO_CUDA}")
    index = device.index or 0
    count = cuda.device_count()
    if index >= count:
        raise RuntimeError(f"to({device}): CUDA error: invalid device ordinal (numbagrad sees "
                           f"{count} GPU{'s' if count != 1 else ''})")
    if index != 0:
        raise NotImplementedError(f"to({device}): numbagrad uses the first GPU only (cuda:0)")
    return Device("cuda", 0)


def move(input, device: Device):
    """``input`` on ``device`` (``input`` itself if it is already there).

    Raises
    ------
    RuntimeError
        For a GPU when none is available, or a GPU number that does not exist.
    """
    target = resolve(device)
    source = input._device
    if target == source:
        return input
    out = _wrap(_copy_across(input._data, source, target), target)
    if _enabled.get() and input._requires_grad and input._data.dtype.kind == "f":
        shape, dtype = tuple(input._data.shape), input._data.dtype
        out._requires_grad = True
        out.grad_fn = class_named("ToCopyBackward0")(
            MOVE, get_backend(target.type), (_edge(input),), (True,), None, None,
            {"source": source, "target": target}, None, (shape,), (dtype,), ())
    return out
