"""Named tuples returned by ops with several results, as ``torch.return_types``.

``numbagrad.max(x, dim)`` returns ``numbagrad.return_types.max(values=..., indices=...)``: a
tuple (``values, indices = numbagrad.max(x, 1)`` unpacks it) whose fields also have names,
printed as torch prints its own.
"""
from __future__ import annotations

from collections import namedtuple


def _return_type(name: str, fields: tuple) -> type:
    """A named tuple class ``name`` with torch's ``return_types`` repr."""
    cls = namedtuple(name, fields, module=__name__)

    def __repr__(self) -> str:
        body = ",\n".join(f"{field}={value!r}" for field, value in zip(fields, self))
        return f"numbagrad.return_types.{name}(\n{body})"

    cls.__repr__ = __repr__
    cls.__doc__ = f"The ``({', '.join(fields)})`` results of ``numbagrad.{name}``."
    return cls


max = _return_type("max", ("values", "indices"))  # noqa: A001 - torch's name
min = _return_type("min", ("values", "indices"))  # noqa: A001 - torch's name
cummax = _return_type("cummax", ("values", "indices"))
cummin = _return_type("cummin", ("values", "indices"))
aminmax = _return_type("aminmax", ("min", "max"))
sort = _return_type("sort", ("values", "indices"))
topk = _return_type("topk", ("values", "indices"))
kthvalue = _return_type("kthvalue", ("values", "indices"))
median = _return_type("median", ("values", "indices"))
nanmedian = _return_type("nanmedian", ("values", "indices"))
mode = _return_type("mode", ("values", "indices"))
