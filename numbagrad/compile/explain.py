"""What a compiled function runs: the generated source of each step and every reason for a
fallback or a recompile."""
from __future__ import annotations


def explain(fn, file=None) -> str:
    """The generated source of each compiled step of ``fn`` and the log of its fallbacks and
    recompiles, as text (also printed to ``file`` when given).

    Parameters
    ----------
    fn : CompiledFunction or OptimizedModule
        What :func:`numbagrad.compile` returned.
    file : file-like, optional
        Where to print the text.

    Returns
    -------
    str
    """
    from numbagrad.compile.api import CompiledFunction

    compiled = fn if isinstance(fn, CompiledFunction) else getattr(fn, "_compiled", None)
    if not isinstance(compiled, CompiledFunction):
        raise TypeError(f"explain: expected what numbagrad.compile returned, got "
                        f"{type(fn).__name__}")
    parts = [f"numbagrad.compile: {compiled.__name__}: {len(compiled.sources)} compiled "
             f"step(s), {compiled.cache.captures} capture(s)"]
    for i, source in enumerate(compiled.sources):
        parts.append(f"--- step {i} ---\n{source}")
    if compiled.cache.log:
        parts.append("--- fallbacks and recompiles ---")
        parts += compiled.cache.log
    text = "\n".join(parts)
    if file is not None:
        print(text, file=file)
    return text
