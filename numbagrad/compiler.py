"""``torch.compiler``'s functions for numbagrad's compiled steps (:mod:`numbagrad.compile`)."""
from __future__ import annotations

from numbagrad.compile.explain import explain

__all__ = ["explain", "is_compiling", "reset"]


def is_compiling() -> bool:
    """Whether a step is being captured now (torch: whether dynamo is tracing)."""
    from numbagrad.compile import capture

    return capture._active is not None and not capture._active.collecting


def reset() -> None:
    """Forget every compiled step (torch.compiler.reset): the next calls capture again."""
    from numbagrad.compile.api import CompiledFunction

    for compiled in list(CompiledFunction.instances):
        compiled.cache.clear()
        compiled.sources.clear()
        compiled._gave_up = False
