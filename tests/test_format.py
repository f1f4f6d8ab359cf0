"""``format(t, spec)`` / ``f"{t:.4f}"``: a 0-d tensor formats as its Python number, as torch."""
import pytest

import numbagrad as ng

SPECS = ["", ".4f", "d", ">8", "e", "s", "x", "+.2%"]


def _cases(lib):
    return {
        "float32": lambda: lib.tensor(1.5),
        "float64": lambda: lib.tensor(-2.25, dtype=lib.float64),
        "float16": lambda: lib.tensor(1.5, dtype=lib.float16),
        "int64": lambda: lib.tensor(3),
        "int8": lambda: lib.tensor(-3, dtype=lib.int8),
        "uint8": lambda: lib.tensor(200, dtype=lib.uint8),
        "bool": lambda: lib.tensor(True),
        "requires_grad": lambda: lib.tensor(0.125, requires_grad=True),
        "non_leaf": lambda: lib.tensor(0.25, requires_grad=True) * 2,
        "view": lambda: lib.tensor([1.5, 2.75])[1],
        "parameter": lambda: lib.nn.Parameter(lib.tensor(1.5)),
        "one_element": lambda: lib.tensor([1.5]),
        "empty": lambda: lib.tensor([]),
    }


def _outcome(make, spec):
    try:
        return format(make(), spec)
    except (TypeError, ValueError) as e:
        return type(e), str(e)


@pytest.mark.parametrize("name", list(_cases(ng)))
def test_format_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = _cases(ng)[name], _cases(torch)[name]
    for spec in SPECS:
        got, want = _outcome(ours, spec), _outcome(theirs, spec)
        if isinstance(want, str):
            want = want.replace("torch.", "numbagrad.")
        assert got == want, (name, spec)


def test_zero_dim_formats_as_its_python_number():
    assert f"{ng.tensor(2.0) / 3:.4f}" == "0.6667"
    assert f"{ng.tensor(0.5, requires_grad=True) * 3:.2e}" == "1.50e+00"
    assert f"{ng.tensor(7):03d}" == "007"
    assert f"{ng.tensor(1.5, dtype=ng.float16)}" == "1.5"
    # bool's own format: str with an empty spec, int's with any other (as Python's True).
    assert f"{ng.tensor(True)}" == "True" and f"{ng.tensor(True):>5}" == "    1"
    with pytest.raises(ValueError, match="Unknown format code 'd'"):
        format(ng.tensor(1.5), "d")


def test_other_tensors_take_only_an_empty_spec():
    t = ng.tensor([1.5, 2.0])
    assert format(t, "") == str(t)
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        format(t, ".4f")
    p = ng.nn.Parameter(ng.tensor(1.5))
    assert format(p, "") == str(p) and str(p).startswith("Parameter containing:")
    with pytest.raises(TypeError, match="passed to Parameter.__format__"):
        f"{p:.4f}"
    assert f"{p.detach():.2f}" == "1.50"
