"""``OptimizedModule``: what ``compile(module)`` returns, as torch's.

The wrapper holds the original module as its submodule ``_orig_mod`` (so its ``state_dict``
keys carry torch's ``_orig_mod.`` prefix and its parameters are the original's, shared) and
runs the compiled ``forward``.
"""
from __future__ import annotations

from numbagrad.nn.module import Module


class OptimizedModule(Module):
    """A module whose ``forward`` is the compiled ``forward`` of ``_orig_mod``.

    Parameters
    ----------
    mod : Module
        The module compiled; its parameters, buffers and submodules are shared, not copied.
    compiled : CompiledFunction
        ``mod.forward`` compiled.
    """

    def __init__(self, mod: Module, compiled) -> None:
        super().__init__()
        self._orig_mod = mod
        object.__setattr__(self, "_compiled", compiled)

    def forward(self, *args, **kwargs):
        """The compiled forward of the original module."""
        return self._compiled(*args, **kwargs)

    def __getattr__(self, name: str):
        # Attributes of the original module (``in_features``, ``weight``, ...) read through.
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["_modules"]["_orig_mod"], name)
