"""Devices: where a tensor's data lives (``cpu`` or ``cuda:N``)."""
from __future__ import annotations


class device:
    """A device, as ``torch.device``: ``device("cpu")``, ``device("cuda")``, ``device("cuda", 0)``.

    Parameters
    ----------
    type : str or device
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    index : int, optional
        The GPU's number.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.device("cpu")
    device(type='cpu')
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string like 'cpu' or 'cuda:0', got {type!r}")
        if ":" in type:
            type, _, number = type.partition(":")
            if index is not None or not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{number}'")
            index = int(number)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type}"
            )
        if type == "cpu" and index not in (None, 0):
            raise RuntimeError(f"CPU device index must be -1 or zero, got {index}")
        self.type = type
        self.index = index if type == "cuda" else None

    def __eq__(self, other) -> bool:
        if other is self:  # the common case: tensors on the one shared CPU device
            return True
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")

# Where creation functions put a tensor when no ``device`` is given: ``[None]`` for the CPU,
# else ``[device]``; set by :func:`numbagrad.set_default_device`.
DEFAULT_DEVICE: list = [None]


def as_device(value) -> device:
    """Accept a device, a string or an int (a GPU number)."""
    if isinstance(value, device):
        return value
    if isinstance(value, int):
        return device("cuda", value)
    return device(value)
