"""The generated step's arrays and kernel calls: views made inside the step from one array of
addresses, kernels called through the address of eager mode's machine code."""
import warnings

import numba
import numpy as np
import pytest
from numba import njit

import numbagrad as torch
from numbagrad.compile import codegen


def _views(*arrays):
    """An njit function returning views of ``arrays`` made from their addresses."""
    makers = {f"v{i}": codegen.view_maker(numba.typeof(a), a.shape, a.strides)
              for i, a in enumerate(arrays)}
    names = ", ".join(f"v{i}(A, {i})" for i in range(len(arrays)))
    namespace = dict(makers)
    exec(f"def f(A):\n    return ({names},)\n", namespace)
    table = np.array([a.__array_interface__["data"][0] for a in arrays], dtype=np.intp)
    return njit(namespace["f"])(table)


def test_views_have_the_recorded_type_values_and_memory():
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    strided = base[::2, 1::2]  # not contiguous
    scalar = np.array(3, dtype=np.int64)  # 0-d
    flags = np.array([True, False, True])
    readonly = np.arange(5.0)
    readonly.flags.writeable = False
    arrays = (base, strided, base.T, scalar, flags, readonly)
    views = _views(*arrays)
    for a, v in zip(arrays, views):
        assert numba.typeof(v) == numba.typeof(a)
        assert v.shape == a.shape and v.strides == a.strides
        np.testing.assert_array_equal(v, a)
    views[1][1, 2] = -1.0  # writes reach the recorded memory
    assert base[2, 5] == -1.0


def test_views_of_one_shape_and_different_strides_are_written_differently():
    w = codegen._Writer()
    w.array(np.zeros((2, 3), np.float32))
    w.array(np.zeros((2, 6), np.float32)[:, ::2])
    first, second = (line.split("#")[1] for line in w.unpack)
    assert first != second  # the source (the cache key) tells the two views apart


@njit
def _axpy(out, x, scale, *flags):
    if flags[0]:
        raise ValueError("flagged")
    for i in range(out.size):
        out[i] += x[i] * scale


def test_kernel_called_by_address_with_star_arguments_and_exceptions():
    out, x = np.zeros(3), np.arange(3.0)
    _axpy(out, x, 2.0, False, 1)  # eager mode's version: (array, array, float64, (bool, int64))
    cres, star = codegen._compiled(_axpy, (out, x, 2.0, False, 1))
    assert star
    call = codegen.caller_maker(cres.signature, star)
    table = np.array([cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)],
                     dtype=np.intp)

    @njit
    def step(A, out, x, flag):
        call(A, 0, out, x, 3, flag, 7)  # 3: cast to float64 as a call of _axpy would
        return 0

    step(table, out, x, False)
    np.testing.assert_array_equal(out, [0.0, 5.0, 10.0])
    with pytest.raises(ValueError, match="flagged"):
        step(table, out, x, True)
    assert len(_axpy.overloads) == 1  # no other version of the kernel was compiled


@njit
def _scale(out, *factors):
    for i in range(out.size):
        out[i] *= factors[0] * factors[1]


def test_kernel_with_star_arguments_of_one_type():
    out = np.ones(2)
    _scale(out, 2.0, 3.0)  # ``factors`` typed UniTuple(float64, 2)
    cres, star = codegen._compiled(_scale, (out, 2.0, 3.0))
    call = codegen.caller_maker(cres.signature, star)
    table = np.array([cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)],
                     dtype=np.intp)

    @njit
    def step(A, out):
        call(A, 0, out, 0.5, 4.0)
        return 0

    step(table, out)
    np.testing.assert_array_equal(out, [12.0, 12.0])


def test_kernel_version_not_compiled_here_is_called_by_name():
    @njit
    def kernel(a):
        a[0] = 1.0

    assert codegen._compiled(kernel, (np.zeros(2),)) is None  # never run: nothing to call
    kernel(np.zeros(2))
    assert codegen._compiled(kernel, (np.zeros(2),)) is not None
    assert codegen._compiled(kernel, (np.zeros(2, np.float32),)) is None  # another version


def test_compiled_step_passes_one_array_and_calls_eager_code():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    criterion = torch.nn.MSELoss()

    def step(x, y):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    compiled = torch.compile(step)
    x, y = torch.ones(5, 3), torch.zeros(5, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            compiled(x, y)
    (entry,) = [e for e in compiled.cache.entries.values() if e.state == "compiled"]
    program = entry.step.program
    assert isinstance(program.arrays, np.ndarray) and program.arrays.dtype == np.intp
    source = program.source
    assert source.startswith("def step(A, S, K):")
    # The model's kernels and the optimizer's update run eager mode's machine code.
    assert "linalg" in source and "# A[" in source
    assert source.count(" = v") > 10
    weight = model[0].weight
    slots = [i for i, a in enumerate(program.buffers)
             if isinstance(a, np.ndarray) and a is weight._data]
    assert slots  # the parameter's own memory is a buffer of the step
    before = weight.detach().numpy().copy()
    compiled(x, y)
    assert not np.array_equal(before, weight.detach().numpy())  # updated in place
