"""Tensor attributes, conversions, operators with numbers, comparisons and in-place methods."""
import copy
import pickle

import numpy as np
import pytest

import numbagrad as ng


def _shape_op_ready():
    try:
        ng.ones(2, 3).permute(1, 0)
    except NotImplementedError:
        return False
    return True


# ---------------------------------------------------------------------------- attributes


def test_shape_size_dim_numel():
    t = ng.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, ng.Size)
    assert repr(t.shape) == "numbagrad.Size([2, 3, 4])"
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.dim() == t.ndim == 3
    assert t.numel() == t.nelement() == 24 == t.shape.numel()
    assert t.dtype is ng.float32 and t.device == ng.device("cpu") and not t.is_cuda
    assert t.stride() == (12, 4, 1) and t.stride(0) == 12 and t.is_contiguous()
    assert t.element_size() == 4 and t.is_floating_point()
    s = ng.tensor(3.0)
    assert s.shape == () and s.dim() == 0 and s.numel() == 1


def test_size_dim_out_of_range():
    with pytest.raises(IndexError, match="Dimension out of range"):
        ng.zeros(2, 3).size(2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ng.zeros(2, 3).size(-3)
    with pytest.raises(IndexError, match="no dimensions"):
        ng.tensor(1.0).size(0)


def test_T_reverses_dims():
    if not _shape_op_ready():
        pytest.skip("permute is not implemented yet")
    t = ng.arange(6).reshape(2, 3)
    assert t.T.shape == (3, 2) and t.T.tolist() == [[0, 3], [1, 4], [2, 5]]


# ---------------------------------------------------------------------------- conversions


def test_numpy_shares_memory_and_refuses_grad():
    t = ng.ones(3)
    a = t.numpy()
    a[0] = 5
    assert t.tolist() == [5.0, 1.0, 1.0]
    x = ng.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]


def test_array_protocol_copies_when_asked():
    t = ng.ones(2)
    a = np.array(t)
    a[0] = 9
    assert t.tolist() == [1.0, 1.0]
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.shares_memory(np.asarray(t), t.numpy())


def test_item_and_python_conversions():
    assert ng.tensor([3]).item() == 3 and isinstance(ng.tensor([3]).item(), int)
    assert isinstance(ng.tensor(True).item(), bool)
    assert ng.tensor(0.1).item() == pytest.approx(0.1, rel=1e-7)
    assert float(ng.tensor([2.5])) == 2.5 and int(ng.tensor(2.7)) == 2
    assert [10, 11, 12][ng.tensor(1)] == 11
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][ng.tensor(1.0)]
    with pytest.raises(RuntimeError, match="2 elements cannot be converted to Scalar"):
        ng.tensor([1.0, 2.0]).item()
    with pytest.raises(ValueError, match="only one element tensors"):
        float(ng.tensor([1.0, 2.0]))


def test_tolist():
    assert ng.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ng.tensor(1.5).tolist() == 1.5
    assert ng.tensor([True]).tolist() == [True]


def test_bool_len():
    assert bool(ng.tensor([1.0])) and not bool(ng.tensor(0))
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        bool(ng.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="no values is ambiguous"):
        bool(ng.tensor([]))
    assert len(ng.zeros(4, 2)) == 4
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ng.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ng.tensor(1.0))


def test_iter_yields_rows():
    try:
        rows = [r.tolist() for r in ng.tensor([[1, 2], [3, 4]])]
    except NotImplementedError:
        pytest.skip("indexing is not implemented yet")
    assert rows == [[1, 2], [3, 4]]


@pytest.mark.parametrize("method,dtype", [("float", ng.float32), ("double", ng.float64),
                                          ("long", ng.int64), ("int", ng.int32),
                                          ("bool", ng.bool)])
def test_dtype_conversion_methods(method, dtype):
    t = ng.tensor([1.7, -1.7, 0.0])
    out = getattr(t, method)()
    assert out.dtype is dtype
    expected = np.array([1.7, -1.7, 0.0], np.float32).astype(dtype.np_type)
    np.testing.assert_array_equal(np.asarray(out), expected)


def test_to_forms():
    t = ng.ones(2)
    assert t.to(ng.float32) is t and t.float() is t
    assert t.to(ng.float64).dtype is ng.float64
    assert t.to(dtype=ng.int64).dtype is ng.int64
    assert t.to(ng.zeros(1, dtype=ng.int32)).dtype is ng.int32
    assert t.to("cpu", ng.float64).dtype is ng.float64
    assert t.to("cpu") is t and t.cpu() is t
    assert t.to(float).dtype is ng.float64
    c = t.to(ng.float32, copy=True)
    assert c is not t and c.tolist() == t.tolist()
    assert t.type_as(ng.tensor([1])).dtype is ng.int64
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        t.to("garbage")


def test_conversions_are_differentiable():
    x = ng.ones(2, requires_grad=True)
    y = x.double() * 3
    assert y.dtype is ng.float64
    y.sum().backward()
    assert x.grad.dtype is ng.float32 and x.grad.tolist() == [3.0, 3.0]


def test_detach_clone_contiguous():
    x = ng.ones(2, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    d.zero_()
    assert x.tolist() == [0.0, 0.0]  # detach shares memory
    c = x.clone()
    assert c.requires_grad and c.grad_fn is not None
    c.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    y = ng.ones(3)
    y2 = y.clone()
    y2.add_(1)
    assert y.tolist() == [1.0, 1.0, 1.0]
    assert y.contiguous() is y


def test_requires_grad_rules():
    for dtype in (ng.int64, ng.int32, ng.bool):
        with pytest.raises(RuntimeError, match="only Tensors of floating point"):
            ng.zeros(2, dtype=dtype, requires_grad=True)
        with pytest.raises(RuntimeError, match="only Tensors of floating point"):
            ng.zeros(2, dtype=dtype).requires_grad_()
    x = ng.ones(2)
    assert x.requires_grad_() is x and x.requires_grad and x.is_leaf
    y = x * 2
    assert y.requires_grad and not y.is_leaf
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        y.requires_grad = False
    with ng.no_grad():
        assert not (x * 2).requires_grad


def test_pickle_and_deepcopy():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == [1.0, 2.0] and y.requires_grad
    z = copy.deepcopy(x)
    assert z.tolist() == [1.0, 2.0] and z.requires_grad and z is not x
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


# ---------------------------------------------------------------------------- operators


@pytest.mark.parametrize("expr", [
    lambda t: t + 2, lambda t: 2 + t, lambda t: t - 2, lambda t: 2 - t, lambda t: t * 3,
    lambda t: 3 * t, lambda t: t / 4, lambda t: 4 / t, lambda t: t ** 2, lambda t: 2 ** t,
    lambda t: t + 1.5, lambda t: 1.5 - t, lambda t: -t, lambda t: abs(t),
    lambda t: np.float32(2) * t, lambda t: t * np.float64(2), lambda t: np.int64(3) + t,
    lambda t: t / np.float32(2), lambda t: t ** 0.5, lambda t: t + True,
])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_arithmetic_with_numbers_matches_torch(expr, dtype):
    torch = pytest.importorskip("torch")
    data = [1, 2, 3] if "int" in dtype else [0.5, 1.5, 2.5]
    expected = expr(torch.tensor(data, dtype=getattr(torch, dtype)))
    got = expr(ng.tensor(data, dtype=getattr(ng, dtype)))
    assert isinstance(got, ng.Tensor)
    assert got.dtype.name == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_allclose(np.asarray(got), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"])
def test_comparisons_give_bool_tensors(op):
    torch = pytest.importorskip("torch")
    a = [1.0, 2.0, float("nan"), 3.0]
    b = [2.0, 2.0, 1.0, float("nan")]
    for other_n, other_t in [(ng.tensor(b), torch.tensor(b)), (2, 2), (2.0, 2.0),
                             (ng.tensor(2), torch.tensor(2))]:
        got = getattr(ng.tensor(a), op)(other_n)
        expected = getattr(torch.tensor(a), op)(other_t)
        assert got.dtype is ng.bool
        assert got.tolist() == expected.tolist()


def test_unsupported_operands_behave_as_python_says():
    t = ng.tensor([1.0])
    assert (t == None) is False  # noqa: E711 - the point of the test
    assert (t != "a") is True
    with pytest.raises(TypeError, match="unsupported operand"):
        t + None
    with pytest.raises(TypeError):
        t * [1.0]
    with pytest.raises(TypeError):
        t < "a"  # noqa: B015
    with pytest.raises(TypeError, match="expected Tensor or number"):
        ng.add(t, "a")


def test_numpy_array_operand_acts_as_tensor():
    t = ng.tensor([1.0, 2.0])
    assert (t + np.array([1.0, 1.0])).tolist() == [2.0, 3.0]
    r = np.array([[1.0], [2.0]]) * t
    assert isinstance(r, ng.Tensor) and r.shape == (2, 2) and r.dtype is ng.float64


def test_bool_and_integer_operator_rules():
    b = ng.tensor([True, False])
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        -b
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        b - b
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        b - 1
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        1 - b
    assert (~b).tolist() == [False, True]
    assert (~ng.tensor([1, -3])).tolist() == [-2, 2]
    with pytest.raises(TypeError, match="only implemented on integer and Boolean"):
        ~ng.tensor([1.0])
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        ng.tensor([2]) ** -1
    assert (ng.tensor([2]) ** 3).tolist() == [8]
    assert (ng.tensor([3]) / 2).tolist() == [1.5]
    assert (b * b).dtype is ng.bool and (b + 1).dtype is ng.int64


def test_add_sub_alpha():
    x = ng.tensor([1.0, 2.0])
    assert x.add(ng.tensor([1.0, 1.0]), alpha=3).tolist() == [4.0, 5.0]
    assert x.sub(2, alpha=0.5).tolist() == [0.0, 1.0]
    assert ng.add(x, 1, alpha=2).tolist() == [3.0, 4.0]
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        ng.tensor([1]).add(ng.tensor([2]), alpha=0.5)
    w = ng.tensor([1.0, 2.0], requires_grad=True)
    (x.add(w, alpha=3)).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_broadcasting_operators():
    a = ng.ones(2, 1, 3)
    b = ng.tensor([[1.0], [2.0], [3.0], [4.0]])
    c = a + b
    assert c.shape == (2, 4, 3)
    np.testing.assert_array_equal(np.asarray(c), np.ones((2, 1, 3)) + np.asarray(b))
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        ng.ones(2, 3) + ng.ones(4)


# ---------------------------------------------------------------------------- in place


def test_inplace_arithmetic_returns_self():
    x = ng.ones(2, 3)
    for name, arg, expected in [("add_", 1, 2.0), ("mul_", 3, 6.0), ("sub_", 1, 5.0),
                                ("div_", 2, 2.5), ("pow_", 2, 6.25)]:
        assert getattr(x, name)(arg) is x
        assert np.all(np.asarray(x) == expected)
    assert x.add_(ng.ones(3), alpha=2) is x and np.all(np.asarray(x) == 8.25)
    assert x.sub_(ng.ones(3), alpha=0.25) is x and np.all(np.asarray(x) == 8.0)
    y = x
    y += 1
    assert y is x and np.all(np.asarray(x) == 9.0)
    y -= ng.ones(1)
    y *= 0.5
    y /= 2
    assert y is x and np.all(np.asarray(x) == 2.0)


def test_inplace_broadcast_and_cast_rules():
    z = ng.zeros(2, 3)
    z.add_(ng.tensor([1.0, 2.0, 3.0]))
    assert z.tolist() == [[1, 2, 3], [1, 2, 3]]
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        ng.zeros(3).add_(ng.ones(2, 3))
    i = ng.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i.add_(1.5)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i.div_(2)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i += 0.5
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired output type Bool"):
        ng.tensor([True]).add_(1)
    assert i.tolist() == [1, 2]
    i32 = ng.tensor([1], dtype=ng.int32)
    i32.add_(ng.tensor([1]))
    assert i32.dtype is ng.int32 and i32.tolist() == [2]
    f = ng.ones(2)
    f.add_(ng.ones(2, dtype=ng.float64))
    assert f.dtype is ng.float32


def test_fill_zero_copy_clamp():
    x = ng.ones(2, 2)
    assert x.zero_() is x and x.tolist() == [[0, 0], [0, 0]]
    assert x.fill_(2.5) is x and x.tolist() == [[2.5, 2.5], [2.5, 2.5]]
    x.fill_(ng.tensor(3.0))
    assert x.tolist() == [[3, 3], [3, 3]]
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        x.fill_(ng.tensor([1.0]))
    i = ng.tensor([1, 2])
    i.fill_(2.7)
    assert i.tolist() == [2, 2]
    assert x.copy_(ng.tensor([1, 2])) is x and x.tolist() == [[1, 2], [1, 2]]
    i.copy_(ng.tensor([1.7, -2.7]))
    assert i.tolist() == [1, -2]
    with pytest.raises(RuntimeError, match="must match the size"):
        x.copy_(ng.ones(3))
    with pytest.raises(TypeError, match="must be Tensor"):
        x.copy_([1.0])
    c = ng.tensor([-1.0, 0.5, 5.0])
    assert c.clamp_(0, 1) is c and c.tolist() == [0.0, 0.5, 1.0]
    c.clamp_(max=0.25)
    assert c.tolist() == [0.0, 0.25, 0.25]
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        ng.tensor([1, 5]).clamp_(0.5, 2.5)


def test_random_fills():
    x = ng.empty(1000)
    assert x.uniform_(-2, 2) is x
    a = np.asarray(x)
    assert a.min() >= -2 and a.max() < 2
    assert x.normal_(3, 0.1) is x and abs(np.asarray(x).mean() - 3) < 0.05
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
        x.normal_(0, -1)
    with pytest.raises(RuntimeError, match=r"expects to return a \[from, to\) range"):
        x.uniform_(1, 0)
    with pytest.raises(NotImplementedError, match="Long"):
        ng.zeros(3, dtype=ng.int64).uniform_()


@pytest.mark.parametrize("call", [
    lambda x: x.add_(1), lambda x: x.mul_(2), lambda x: x.zero_(), lambda x: x.fill_(1),
    lambda x: x.uniform_(), lambda x: x.normal_(), lambda x: x.copy_(ng.ones(2)),
    lambda x: x.clamp_(0, 1), lambda x: x.__iadd__(1),
])
def test_inplace_on_leaf_requiring_grad(call):
    x = ng.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        call(x)
    with ng.no_grad():
        call(x)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None


def test_inplace_on_non_leaf_is_differentiable():
    torch = pytest.importorskip("torch")

    def run(lib):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = a * 1
        b *= a
        b += a
        b.mul_(2).sub_(a, alpha=0.5)
        c = a * 1
        d = c.exp()  # exp keeps only its output, so changing its input afterwards is allowed
        c.mul_(3)
        (b.sum() + (c * a).sum() + d.sum()).backward()
        return a.grad.numpy()

    np.testing.assert_allclose(run(ng), run(torch), rtol=1e-6)


def test_inplace_on_saved_tensor_is_detected():
    a = ng.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = b * b
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_inplace_copy_gradient_goes_to_source():
    src = ng.tensor([1.0, 2.0], requires_grad=True)
    dst = ng.zeros(2) * 1
    dst.copy_(src * 3)
    dst.sum().backward()
    assert src.grad.tolist() == [3.0, 3.0]


# ---------------------------------------------------------------------------- .grad assignment

_BAD_GRADS = {
    "larger": (lambda: ng.zeros(10**6), RuntimeError, "of size '[1000000]' to a tensor of size"),
    "smaller": (lambda: ng.zeros(2), RuntimeError, "of size '[2]' to a tensor of size '[3]'"),
    "other rank": (lambda: ng.zeros(1, 3), RuntimeError, "of size '[1, 3]'"),
    "other dtype": (lambda: ng.zeros(3, dtype=ng.float64), RuntimeError,
                    "with dtype 'double' to a tensor with grad_dtype 'Float'"),
    "int dtype": (lambda: ng.zeros(3, dtype=ng.int64), RuntimeError, "dtype 'long int'"),
    "a list": (lambda: [1.0, 2.0, 3.0], TypeError,
               "assigned grad expected to be a Tensor or None but got grad of type list"),
    "a number": (lambda: 5, TypeError, "got grad of type int"),
}


@pytest.mark.parametrize("case", list(_BAD_GRADS))
@pytest.mark.parametrize("kind", ["leaf", "retained"])
def test_grad_of_another_shape_dtype_or_type_is_refused_at_assignment(case, kind):
    make, error, words = _BAD_GRADS[case]
    x = ng.ones(3, requires_grad=True)
    t = x
    if kind == "retained":
        t = x * 2
        t.retain_grad()
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        t.grad = make()
    assert t.grad is None
    (t * 2).sum().backward()  # the refused value never reaches the accumulation
    np.testing.assert_array_equal(np.asarray(t.grad), [2.0, 2.0, 2.0])


def test_grad_errors_match_torch():
    torch = pytest.importorskip("torch")
    for make, error, _ in _BAD_GRADS.values():
        value = make()
        theirs = torch.tensor(np.asarray(value)) if isinstance(value, ng.Tensor) else value
        x = torch.ones(3, requires_grad=True)
        with pytest.raises(error) as raised:
            x.grad = theirs
        ours = ng.ones(3, requires_grad=True)
        with pytest.raises(error) as ours_raised:
            ours.grad = value
        assert str(ours_raised.value).split(".")[0] == str(raised.value).split(".")[0]


def test_assigned_views_as_grad_accumulate_as_torch():
    """A strided .grad is added into in place; an expanded one is refused, as torch does."""
    x = ng.ones(3, requires_grad=True)
    base = ng.zeros(6)
    x.grad = base[::2]
    (x * 2).sum().backward()
    np.testing.assert_array_equal(np.asarray(base), [2.0, 0.0, 2.0, 0.0, 2.0, 0.0])
    x.grad = ng.zeros(1).expand(3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        (x * 2).sum().backward()
    x.grad = ng.ones(3)
    del x.grad
    assert x.grad is None
