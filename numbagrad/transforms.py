"""Image transforms under torchvision's names: ``Compose``, ``ToTensor``, ``Normalize``, ``Lambda``.

No PIL is needed: images are NumPy arrays of shape ``(H, W)`` or ``(H, W, C)`` (what
:class:`numbagrad.datasets.MNIST` yields). ``transforms.Compose([transforms.ToTensor(),
transforms.Normalize((0.5,), (0.5,))])`` maps MNIST's grey levels 0..255 to [-1, 1].
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from numbagrad import dtypes
from numbagrad.creation import from_numpy
from numbagrad.tensor import Tensor

__all__ = ["Compose", "Lambda", "Normalize", "ToTensor"]


class Compose:
    """Apply several transforms one after the other.

    Parameters
    ----------
    transforms : list of callables
        Applied in order, each to the previous one's result.

    Examples
    --------
    >>> t = Compose([ToTensor(), Normalize((0.5,), (0.5,))])
    >>> t(np.full((2, 2), 255, np.uint8)).tolist()
    [[[1.0, 1.0], [1.0, 1.0]]]
    """

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}("] + [f"    {t}" for t in self.transforms] + [")"]
        return "\n".join(lines)


class ToTensor:
    """Convert an image array ``(H, W)`` or ``(H, W, C)`` to a tensor ``(C, H, W)``.

    uint8 images (0..255) become the default float type (float32) divided by 255, so values lie
    in [0, 1]; arrays of other types keep their dtype and values, as in torchvision. A PIL image,
    when given, is read through ``numpy.asarray`` first.

    Raises
    ------
    TypeError
        If the input is neither an array nor a PIL image.
    ValueError
        If the array is not 2- or 3-dimensional.

    Examples
    --------
    >>> ToTensor()(np.zeros((28, 28), np.uint8)).shape
    numbagrad.Size([1, 28, 28])
    """

    def __call__(self, pic) -> Tensor:
        if type(pic).__module__.startswith("PIL."):
            pic = np.asarray(pic)
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        chw = pic.transpose(2, 0, 1)
        if pic.dtype == np.uint8:
            scaled = np.ascontiguousarray(chw, dtype=dtypes.get_default_dtype().np_type)
            # torch divides in the float type; dividing by the same-typed 255 rounds identically.
            scaled /= scaled.dtype.type(255)
            return from_numpy(scaled)
        return from_numpy(np.ascontiguousarray(chw))

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """Standardise each channel: ``output[c] = (input[c] - mean[c]) / std[c]``.

    Parameters
    ----------
    mean : sequence of float
        One mean per channel (or one value for all channels).
    std : sequence of float
        One standard deviation per channel (or one value for all channels).
    inplace : bool
        Overwrite the input tensor instead of returning a new one.

    Input and output: a float tensor ``(..., C, H, W)``.

    Raises
    ------
    TypeError
        If the input is not a floating-point tensor.
    ValueError
        If it has fewer than 3 dimensions, or a standard deviation is zero.

    Examples
    --------
    >>> import numbagrad as torch
    >>> Normalize((0.5,), (0.5,))(torch.ones(1, 2, 2)).tolist()
    [[[1.0, 1.0], [1.0, 1.0]]]
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                             f"tensor.size() = {tensor.size()}.")
        mean, std = self._constants(tensor.dtype)
        if not self.inplace and not tensor.requires_grad and tensor.device.type == "cpu":
            # A data-loading hot path (once per sample): NumPy's float arithmetic gives the same
            # values as the tensor ops below, without building a graph node per sample.
            return from_numpy((tensor.numpy() - mean) / std)
        mean_t, std_t = from_numpy(mean), from_numpy(std)
        if tensor.device != mean_t.device:
            mean_t, std_t = mean_t.to(tensor.device), std_t.to(tensor.device)
        if not self.inplace:
            tensor = tensor.clone()
        return tensor.sub_(mean_t).div_(std_t)

    def _constants(self, dtype: dtypes.dtype) -> tuple[np.ndarray, np.ndarray]:
        """``mean`` and ``std`` as ``(C, 1, 1)`` arrays of ``dtype``, converted once per dtype."""
        key = (dtype.name, tuple(np.ravel(self.mean)), tuple(np.ravel(self.std)))
        cached = self.__dict__.get("_cache")
        if cached is not None and cached[0] == key:
            return cached[1]
        mean = np.asarray(self.mean, dtype=dtype.np_type).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=dtype.np_type).reshape(-1, 1, 1)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading "
                             "to division by zero.")
        self._cache = (key, (mean, std))
        return mean, std

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Use a function as a transform.

    Parameters
    ----------
    lambd : callable
        Called with the input; its result is the output.

    Raises
    ------
    TypeError
        If ``lambd`` is not callable.

    Examples
    --------
    >>> Lambda(lambda x: x * 2)(3)
    6
    """

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
