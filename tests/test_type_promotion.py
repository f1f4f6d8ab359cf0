"""Type promotion of Python's operators, checked against torch on every pair of dtypes.

For each operator, every pair of bool, uint8, int8, int16, int32, int64, float16, float32 and
float64 operands (tensors with dimensions, 0-d tensors, and Python bool/int/float numbers on
either side) must give torch's result dtype and values, or raise torch's exception class. One
test per operator loops over all pairs and reports every mismatch at once.
"""
import itertools
import operator

import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]

# Left operands may be negative; right operands are small and positive, so that no pair divides
# by zero, shifts by a negative count or overflows an 8-bit type.
LEFT = {"bool": [True, True], "uint8": [5, 6], "int8": [-5, 6], "float": [2.5, -1.5]}
RIGHT = {"bool": [True, True], "uint8": [2, 3], "int8": [2, 3], "float": [0.5, 2.0]}
SCALARS = {"left": [True, 5, 2.5], "right": [True, 2, 0.5]}

OPERATORS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "&": operator.and_,
    "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift,
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}

KINDS = ["tensor", "zero_dim", "scalar"]
PAIRS = [(a, b) for a, b in itertools.product(KINDS, KINDS) if (a, b) != ("scalar", "scalar")]


def _values(side: str, name: str) -> list:
    table = LEFT if side == "left" else RIGHT
    if name == "bool":
        return table["bool"]
    if name.startswith("float"):
        return table["float"]
    return table["uint8" if name == "uint8" else "int8"]


def _operands(side: str, kind: str):
    """(label, torch operand, numbagrad operand) for every dtype, or every Python number."""
    if kind == "scalar":
        for value in SCALARS[side]:
            yield type(value).__name__, value, value
        return
    for name in DTYPES:
        values = _values(side, name)
        data = values if kind == "tensor" else values[0]
        yield (f"{kind}[{name}]", torch.tensor(data, dtype=getattr(torch, name)),
               ng.tensor(data, dtype=getattr(ng, name)))


def _run(fn, a, b):
    try:
        return fn(a, b), None
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return None, e


def _outcome(result, error) -> str:
    if error is not None:
        return f"raises {type(error).__name__}({error})"
    return f"returns {getattr(result, 'dtype', type(result).__name__)}"


def _rtol(dtype_name: str) -> float:
    return {"float16": 2e-3, "float32": 1e-5, "float64": 1e-12}.get(dtype_name, 0.0)


def _compare(symbol: str, fn) -> list:
    mismatches = []
    for ka, kb in PAIRS:
        for (la, ta, na), (lb, tb, nb) in itertools.product(_operands("left", ka),
                                                            _operands("right", kb)):
            case = f"{la} {symbol} {lb}"
            expected, t_err = _run(fn, ta, tb)
            got, n_err = _run(fn, na, nb)
            if t_err is not None or n_err is not None:
                if type(t_err) is not type(n_err):
                    mismatches.append(f"{case}: torch {_outcome(expected, t_err)}, "
                                      f"numbagrad {_outcome(got, n_err)}")
                continue
            want = str(expected.dtype).removeprefix("torch.")
            if not isinstance(got, ng.Tensor) or got.dtype.name != want:
                have = got.dtype.name if isinstance(got, ng.Tensor) else type(got).__name__
                mismatches.append(f"{case}: dtype {have}, torch {want}")
                continue
            reference = expected.double().numpy()
            values = np.asarray(got).astype(np.float64)
            if values.shape != reference.shape or not np.allclose(
                    values, reference, rtol=_rtol(want), atol=0, equal_nan=True):
                mismatches.append(f"{case}: values {values.tolist()}, torch "
                                  f"{reference.tolist()}")
    return mismatches


@pytest.mark.parametrize("symbol", list(OPERATORS),
                         ids=[fn.__name__.strip("_") for fn in OPERATORS.values()])
def test_operator_matches_torch_on_every_dtype_pair(symbol):
    mismatches = _compare(symbol, OPERATORS[symbol])
    assert not mismatches, (f"{len(mismatches)} mismatches for {symbol}:\n"
                            + "\n".join(mismatches[:40]))
