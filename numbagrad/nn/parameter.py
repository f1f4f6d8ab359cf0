"""``Parameter``: a tensor that a Module registers as one of its learnable weights."""
from __future__ import annotations

from numbagrad.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is registered by the Module it is assigned to.

    Parameters
    ----------
    data : Tensor, optional
        The initial value (shared, not copied). An empty tensor when omitted.
    requires_grad : bool
        Whether the parameter is trained.

    Examples
    --------
    >>> import numbagrad as torch
    >>> p = torch.nn.Parameter(torch.zeros(2))
    >>> p.requires_grad
    True
    """

    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = Tensor([])
        self._init(data._data, data._device)
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (Tensor.__reduce_ex__(self, protocol), self.requires_grad))

    def __deepcopy__(self, memo):
        copied = Tensor.__deepcopy__(self, memo)
        result = Parameter(copied, self.requires_grad)
        result.grad = copied.grad
        memo[id(self)] = result
        return result


def _rebuild_parameter(tensor_reduction, requires_grad):
    fn, args = tensor_reduction
    return Parameter(fn(*args), requires_grad)
