"""Chains of elementwise kernels fused into one loop, with eager mode's bits.

Eager mode runs each elementwise op as its own pass over memory (``backends/cpu/elementwise.py``:
one loop per formula, writing its whole result before the next op reads it). In a captured step,
consecutive dense elementwise calls of one length (``h * torch.sigmoid(h)``, a hand-written
GELU and their vjps) become one loop that applies the formulas in turn to each element, keeps
the intermediate values in registers, and stores only what something after the chain reads
(:func:`fuse`).

Same bits as eager mode: each formula's result is converted to its output's dtype before the
next formula reads it, as the store and the load did. The eager kernels are compiled with LLVM's
``contract`` flag, which may turn a product feeding a sum inside one formula into a fused
multiply-add; the fused loop is compiled without it (so that no product of one formula fuses
with a sum of the next), so only formulas with no product feeding a sum (:func:`_contract_free`)
are fused: ``x * y``, ``x + y``, ``exp``, ``tanh``, comparisons, but not ``g * (1 - y * y)``.

Set ``NUMBAGRAD_FUSION=0`` to compile steps without fusion (to measure what it gains).
"""
from __future__ import annotations

import ast
import inspect
import os
import re
import textwrap

import numpy as np

from numbagrad.compile.capture import Call
from numbagrad.compile.liveness import call_spans, owner, span, touches

_SAFE_CALLS = {"abs", "min", "max", "float", "int", "bool"}
_safety: dict = {}  # formula -> whether it may be fused (see :func:`_contract_free`)


def _contract_free(fn) -> bool:
    """Whether formula ``fn`` has no product feeding a sum or difference (LLVM could contract
    such a pair into a fused multiply-add under eager mode's ``contract`` flag, not in the fused
    loop) and calls nothing but ``math`` functions and a few builtins. Conservative: a name
    assigned from an expression that multiplies counts as a product wherever it is read."""
    known = _safety.get(fn)
    if known is not None:
        return known
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        _safety[fn] = False
        return False
    nodes = list(ast.walk(tree))

    def has_product(n) -> bool:
        return any(isinstance(k, ast.BinOp) and isinstance(k.op, ast.Mult)
                   for k in ast.walk(n))

    # Names that may hold a product: assigned from an expression that multiplies.
    products = set()
    for n in nodes:
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and n.value is not None \
                and (has_product(n.value) or isinstance(getattr(n, "op", None), ast.Mult)):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            products |= {k.id for t in targets for k in ast.walk(t) if isinstance(k, ast.Name)}

    def product(n) -> bool:
        while isinstance(n, ast.UnaryOp):
            n = n.operand
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            return True
        return isinstance(n, ast.Name) and n.id in products

    ok = True
    for n in nodes:
        if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub)):
            ok = ok and not (product(n.left) or product(n.right))
        elif isinstance(n, ast.AugAssign) and isinstance(n.op, (ast.Add, ast.Sub)):
            ok = ok and not (product(n.value) or (isinstance(n.target, ast.Name)
                                                  and n.target.id in products))
        elif isinstance(n, ast.Call):
            f = n.func
            ok = ok and ((isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                          and f.value.id == "math")
                         or (isinstance(f, ast.Name) and f.id in _SAFE_CALLS))
    _safety[fn] = ok
    return ok


def _dense_kernels() -> dict:
    """The dense elementwise kernels compiled so far: kernel -> (formula, inputs, outputs,
    parallel, scalar flags)."""
    from numbagrad.backends.cpu import elementwise

    return {k: key for key, k in elementwise._kernels.items() if key[4] is not None}


class _Member:
    """One elementwise call of a chain: its formula, operands and results."""

    __slots__ = ("fn", "inputs", "scalars", "outputs")

    def __init__(self, key, args):
        fn, n_in, n_out, _, scalars = key
        self.fn, self.scalars = fn, scalars
        self.inputs, self.outputs = list(args[:n_in]), list(args[n_in:n_in + n_out])


def _overlap(a, b) -> bool:
    return touches(span(a), [span(b)])


def _same(a, b) -> bool:
    """The same elements: same memory start, length and dtype (both flat)."""
    return (a is b or (a.dtype == b.dtype and a.size == b.size
                       and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]))


class FusedLoop:
    """A chain of elementwise calls as one generated loop: ``source(name)`` is its text (part of
    the step's source), ``args`` the arrays it is called with, ``formulas`` what it calls."""

    def __init__(self, members: list, parallel: bool, live: list):
        self.members, self.parallel = members, parallel
        self.args: list = []  # the call's arrays: inputs read from memory, then stored results
        self.formulas: list = []
        self._lines: list = []
        self._first: list = []
        names: dict = {}  # id of an array already named -> its name in the loop
        values: list = []  # (array, register) of results computed so far

        def arg(a) -> str:
            name = names.get(id(a))
            if name is None:
                name = names[id(a)] = f"x{len(self.args)}"
                self.args.append(a)
            return name

        for j, m in enumerate(members):
            f = f"@{self.formula(m.fn)}@"  # the formula's name, filled in by ``source``
            operands = []
            for a, scalar in zip(m.inputs, m.scalars):
                reg = next((r for b, r in reversed(values) if _same(a, b)), None)
                if reg is not None:
                    operands.append(reg)
                elif scalar:
                    s = f"s{len(self._first)}"
                    self._first.append(f"    {s} = {arg(a)}[0]")
                    operands.append(s)
                else:
                    operands.append(f"{arg(a)}[m]")
            regs = [f"t{j}_{k}" for k in range(len(m.outputs))]
            call = f"{f}({', '.join(operands)})"
            if len(regs) == 1:
                self._lines.append(f"{regs[0]} = {_cast(m.outputs[0])}({call})")
            else:
                self._lines.append(f"{', '.join(regs)} = {call}")
                self._lines += [f"{r} = {_cast(o)}({r})" for r, o in zip(regs, m.outputs)]
            for r, o, keep in zip(regs, m.outputs, live[j]):
                if keep:
                    self._lines.append(f"{arg(o)}[m] = {r}")
                values.append((o, r))
        n = members[0].outputs[0].size
        self.size_arg = next(i for i, a in enumerate(self.args) if a.size == n)

    def formula(self, fn) -> int:
        if fn not in self.formulas:
            self.formulas.append(fn)
        return self.formulas.index(fn)

    def source(self, name: str, formula_names: list) -> str:
        """The loop's definition, its formulas called by the names ``formula_names``."""
        text = re.sub(r"@(\d+)@", lambda k: formula_names[int(k.group(1))], "\n".join(self._lines))
        params = ", ".join(f"x{i}" for i in range(len(self.args)))
        lines = [f"@fused_jit({self.parallel})",
                 f"def {name}({params}):",
                 f"    n = x{self.size_arg}.size"] + self._first + [
                 "    for blk in prange((n + BLOCK - 1) // BLOCK):",
                 "        start, stop = _span(blk, n)",
                 "        for m in range(start, stop):"]
        lines += [f"            {ln}" for ln in text.split("\n")]
        return "\n".join(lines)

    def label(self) -> str:
        return " > ".join(getattr(m.fn, "__name__", "f") for m in self.members)


def _cast(a) -> str:
    return f"np.{np.dtype(a.dtype).name}"


def fuse(calls: list, pinned: set, frozen: list) -> tuple:
    """``calls`` with each fusable chain of elementwise calls replaced by one ``"fused"`` call
    (its ``fn`` a :class:`FusedLoop`); returns the new calls and, per old call index, the new
    index (as :func:`~numbagrad.compile.liveness.forward_copies`)."""
    index = list(range(len(calls) + 1))
    if os.environ.get("NUMBAGRAD_FUSION") == "0":
        return calls, index
    dense = _dense_kernels()
    if not dense:
        return calls, index
    in_frozen = [False] * len(calls)
    for start, end in frozen:
        for i in range(start, end):
            in_frozen[i] = True
    members = [None] * len(calls)
    for i, c in enumerate(calls):
        key = dense.get(c.fn) if c.kind == "kernel" else None
        if key is not None and not in_frozen[i] and _contract_free(key[0]):
            members[i] = (_Member(key, c.args), key[3])
    groups, group, hoisted, lifted = [], [], {}, []
    for i, c in enumerate(calls):
        if group and members[i] is not None and _joins(members, group, i):
            group.append(i)
            continue
        if (group and c.kind == "fill" and c.args[0].size == 1 and not in_frozen[i]
                and not any(_overlap(c.args[0], a) for k in group
                            for a in members[k][0].inputs + members[k][0].outputs)):
            # A Python number made a 0-d operand (``0.5 * x``) between two calls of the
            # chain: written before the fused loop instead, where nothing of the chain reads it.
            lifted.append(i)
            continue
        if len(group) > 1:
            groups.append(group)
            hoisted[group[0]] = lifted
        group, lifted = ([i] if members[i] is not None else []), []
    if len(group) > 1:
        groups.append(group)
        hoisted[group[0]] = lifted
    if not groups:
        return calls, index
    spans = call_spans(calls)
    new, replaced = [], {}
    for g in groups:
        chain = [members[i][0] for i in g]
        inside = set(g)
        outside = [s for k, sp in enumerate(spans) if k not in inside for s in sp]
        live = []
        for j, m in enumerate(chain):
            earlier = [s for k in g[:j] for s in spans[k]]
            live.append([id(owner(o)) in pinned or touches(span(o), outside)
                         or touches(span(o), earlier) for o in m.outputs])
        live[-1] = [True] * len(chain[-1].outputs) if not any(map(any, live)) else live[-1]
        loop = FusedLoop(chain, members[g[0]][1], live)
        fused = Call("fused", loop, tuple(loop.args), calls[g[0]].ctx)
        replaced[g[0]] = [calls[i] for i in hoisted[g[0]]] + [fused]
        for i in g[1:] + hoisted[g[0]]:
            replaced[i] = []
    for i, c in enumerate(calls):
        index[i] = len(new)
        new += replaced.get(i, [c])
    index[len(calls)] = len(new)
    return new, index


def _joins(members, group: list, i: int) -> bool:
    """Whether call ``i`` extends the chain ``group``: one length, one threading choice, and
    its arrays meet the chain's only as the very same elements (a result read, an in-place op),
    never shifted. A call that reads no result of the chain joins too: one pass instead of two
    over what they both read (``x`` in ``0.5 * x * (1 + tanh(...))``)."""
    m, parallel = members[i]
    first, first_parallel = members[group[0]]
    n = first.outputs[0].size
    if parallel != first_parallel or m.outputs[0].size != n or n < 2:
        return False
    results = [o for k in group for o in members[k][0].outputs]
    operands = [a for k in group for a in members[k][0].inputs]
    for a, scalar in zip(m.inputs, m.scalars):
        for o in results:
            if _overlap(a, o) and (scalar or not _same(a, o)):
                return False
    for o in m.outputs:
        for a in results + operands:
            if _overlap(o, a) and not _same(o, a):
                return False
        if any(_overlap(o, a) for k in group for a, s in zip(members[k][0].inputs,
                                                              members[k][0].scalars) if s):
            return False
    return True


def fused_jit(parallel: bool):
    """The decorator of a generated loop: eager mode's error model, no fast-math flags (see the
    module's docstring), cached with the step where Numba can write its cache."""
    from numba import njit

    def decorate(fn):
        try:
            return njit(cache=True, parallel=parallel, error_model="numpy")(fn)
        except RuntimeError:  # no cache locator (an exec'd source)
            return njit(parallel=parallel, error_model="numpy")(fn)

    return decorate
