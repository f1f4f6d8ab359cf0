"""Diagonals, triangles, windows and repeat_interleave against torch: values, dtypes, strides,
gradients, views that write through to their base, in-place and ``out=`` forms, and errors
(torch's class and message)."""
import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")


def _data(lib, shape, dtype="float64"):
    """The same values in both libraries: 0, 1, 2, ... reshaped."""
    n = int(np.prod(shape))
    return lib.arange(n, dtype=getattr(lib, dtype)).reshape(shape)


# Each case builds its result from a library (``ng`` or ``torch``) in the same words.
VALUES = {
    "diagonal": lambda L: _data(L, (3, 4)).diagonal(),
    "diagonal_offset_dims": lambda L: L.diagonal(_data(L, (2, 3, 4)), 1, 2, 0),
    "diagonal_negative": lambda L: L.diagonal(_data(L, (3, 4)), -2),
    "diagonal_past_the_end": lambda L: L.diagonal(_data(L, (3, 4)), 7),
    "diagonal_int": lambda L: _data(L, (3, 3), "int32").diagonal(-1),
    "diag_embed": lambda L: L.diag_embed(_data(L, (2, 3)), 1),
    "diag_embed_dims": lambda L: _data(L, (2, 3)).diag_embed(-1, 0, 2),
    "diag_vector": lambda L: L.diag(_data(L, (3,)), -1),
    "diag_matrix": lambda L: _data(L, (3, 4)).diag(1),
    "diag_bool": lambda L: L.diag(L.tensor([True, False])),
    "diagflat": lambda L: L.diagflat(_data(L, (2, 2)), -1),
    "diagflat_scalar": lambda L: L.tensor(2.0).diagflat(),
    "diagflat_empty": lambda L: L.diagflat(L.ones(0)),
    "trace": lambda L: L.trace(_data(L, (3, 4))),
    "trace_int32": lambda L: _data(L, (2, 2), "int32").trace(),
    "tril": lambda L: L.tril(_data(L, (2, 3, 4)), 1),
    "triu": lambda L: _data(L, (3, 4)).triu(-1),
    "tril_far": lambda L: L.tril(_data(L, (3, 4)), -5),
    "triu_bool": lambda L: L.triu(L.ones(3, 3, dtype=L.bool)),
    "tril_int": lambda L: L.tril(_data(L, (3, 2), "int64")),
    "tril_empty": lambda L: L.tril(L.ones(2, 0, 3)),
    "tril_indices": lambda L: L.tril_indices(3, 4, 1),
    "triu_indices": lambda L: L.triu_indices(4, 3, -1),
    "tril_indices_int32": lambda L: L.tril_indices(3, 3, dtype=L.int32),
    "triu_indices_empty": lambda L: L.triu_indices(0, 3),
    "tril_indices_far": lambda L: L.tril_indices(3, 3, -5),
    "unfold": lambda L: L.arange(7.0).unfold(0, 3, 2),
    "unfold_batched": lambda L: _data(L, (2, 5, 3)).unfold(1, 2, 1),
    "unfold_empty_window": lambda L: L.arange(7.0).unfold(0, 0, 1),
    "unfold_scalar": lambda L: L.tensor(5.0).unfold(0, 1, 2),
    "repeat_interleave_flat": lambda L: L.repeat_interleave(_data(L, (2, 3)), 2),
    "repeat_interleave_dim": lambda L: _data(L, (2, 3)).repeat_interleave(2, dim=1),
    "repeat_interleave_tensor": lambda L: L.repeat_interleave(
        _data(L, (3, 2)), L.tensor([1, 0, 2]), dim=0),
    "repeat_interleave_one_count": lambda L: _data(L, (2, 3)).repeat_interleave(
        L.tensor([2]), dim=0, output_size=4),
    "repeat_interleave_counts": lambda L: L.repeat_interleave(L.tensor([2, 0, 1])),
    "repeat_interleave_counts_int32": lambda L: L.repeat_interleave(
        L.tensor([1, 2], dtype=L.int32), output_size=3),
    "repeat_interleave_scalar": lambda L: L.repeat_interleave(L.tensor(3.0), 2),
    "repeat_interleave_int": lambda L: L.repeat_interleave(_data(L, (3,), "int64"), 2, 0),
}


@pytest.mark.parametrize("name", VALUES)
def test_values_dtypes_and_shapes_match_torch(name):
    got, want = VALUES[name](ng), VALUES[name](torch)
    assert tuple(got.shape) == tuple(want.shape)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(np.asarray(got), want.numpy())


# Differentiable cases: ``fn(lib, x)`` of one float64 input of ``shape``.
GRADIENTS = {
    "diagonal": ((3, 4), lambda L, x: x.diagonal(1)),
    "diagonal_dims": ((2, 3, 4), lambda L, x: L.diagonal(x, -1, 2, 1)),
    "diag_embed": ((2, 3), lambda L, x: L.diag_embed(x, 1, 0, 2)),
    "diag_vector": ((3,), lambda L, x: L.diag(x, 2)),
    "diag_matrix": ((3, 4), lambda L, x: L.diag(x, -1)),
    "diagflat": ((2, 3), lambda L, x: x.diagflat(1)),
    "trace": ((3, 3), lambda L, x: L.trace(x)),
    "tril": ((2, 3, 4), lambda L, x: x.tril(1)),
    "triu": ((3, 4), lambda L, x: L.triu(x, -1)),
    "unfold_overlap": ((2, 7), lambda L, x: x.unfold(1, 3, 2)),
    "unfold_gaps": ((8, 2), lambda L, x: x.unfold(0, 2, 3)),
    "unfold_transposed": ((3, 6), lambda L, x: x.t().unfold(0, 4, 1)),
    "repeat_interleave": ((3, 2), lambda L, x: x.repeat_interleave(L.tensor([2, 0, 3]), 0)),
    "repeat_interleave_flat": ((2, 2), lambda L, x: L.repeat_interleave(x, 3)),
}


@pytest.mark.parametrize("name", GRADIENTS)
def test_gradients_match_torch(name):
    shape, fn = GRADIENTS[name]
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(shape)
    a = ng.tensor(x0, requires_grad=True)
    b = torch.tensor(x0, requires_grad=True)
    out_a, out_b = fn(ng, a), fn(torch, b)
    g = rng.standard_normal(tuple(out_b.shape))
    out_a.backward(ng.tensor(g))
    out_b.backward(torch.tensor(g))
    np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda L, x: x.diagonal(1),
    lambda L, x: L.diagonal(x.reshape(2, 3, 2), 0, 0, 2),
    lambda L, x: x.t().diagonal(-1),
    lambda L, x: x.unfold(0, 2, 2),
    lambda L, x: x[:, 1:].unfold(0, 2, 2),
], ids=["diagonal", "diagonal_3d", "diagonal_of_transpose", "unfold", "unfold_of_slice"])
def test_views_share_memory_and_strides_as_torch(make):
    a, b = _data(ng, (4, 3)), _data(torch, (4, 3))
    va, vb = make(ng, a), make(torch, b)
    assert va.stride() == vb.stride()
    assert va._base is not None
    va.mul_(-1)
    vb.mul_(-1)
    np.testing.assert_array_equal(np.asarray(a), b.numpy())
    a.add_(10)
    b.add_(10)
    np.testing.assert_array_equal(np.asarray(va), vb.numpy())


@pytest.mark.parametrize("make", [lambda x: x.tril(), lambda x: x.triu(1), lambda x: x.diagonal(),
                                  lambda x: x.unfold(0, 2, 1), lambda x: x.diag_embed()])
def test_grad_fn_names_are_torchs(make):
    a, b = ng.ones(3, 3, requires_grad=True), torch.ones(3, 3, requires_grad=True)
    assert make(a).grad_fn.name() == make(b).grad_fn.name()


def test_diag_of_matrix_is_a_copy():
    a = ng.ones(3, 3)
    d = ng.diag(a)
    d.fill_(5.0)
    assert float(a.sum()) == 9.0


def test_write_to_base_after_diagonal_was_saved_fails_backward():
    x = ng.ones(3, 3, requires_grad=True)
    y = x * 1.0
    d = y.diagonal()
    z = (d * d).sum()
    y.add_(1.0)
    with pytest.raises(RuntimeError):
        z.backward()


@pytest.mark.parametrize("name,diagonal", [("tril", 0), ("triu", 1), ("tril", -1)])
def test_in_place_and_out_forms(name, diagonal):
    a, b = _data(ng, (2, 3, 3)), _data(torch, (2, 3, 3))
    assert getattr(a, name + "_")(diagonal) is a
    getattr(b, name + "_")(diagonal)
    np.testing.assert_array_equal(np.asarray(a), b.numpy())
    out_a, out_b = ng.empty(0, dtype=ng.float64), torch.empty(0, dtype=torch.float64)
    getattr(ng, name)(_data(ng, (3, 4)), diagonal, out=out_a)
    getattr(torch, name)(_data(torch, (3, 4)), diagonal, out=out_b)
    np.testing.assert_array_equal(np.asarray(out_a), out_b.numpy())


def test_diag_out():
    out_a, out_b = ng.empty(0), torch.empty(0)
    ng.diag(ng.tensor([1.0, 2.0]), 1, out=out_a)
    torch.diag(torch.tensor([1.0, 2.0]), 1, out=out_b)
    np.testing.assert_array_equal(np.asarray(out_a), out_b.numpy())


def test_tril_gradient_of_in_place_form_on_non_leaf():
    a = ng.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    b = torch.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    (a * 2).tril_().sum().backward()
    (b * 2).tril_().sum().backward()
    np.testing.assert_array_equal(np.asarray(a.grad), b.grad.numpy())


ERRORS = {
    "diagonal_same_dims": lambda L: L.diagonal(L.ones(2, 3), 0, 0, -2),
    "diagonal_dim_range": lambda L: L.diagonal(L.ones(2, 3), 0, 0, 2),
    "diagonal_1d": lambda L: L.ones(3).diagonal(),
    "diag_embed_same_dims": lambda L: L.diag_embed(L.ones(2, 2), 0, 0, 0),
    "diag_embed_dim_range": lambda L: L.diag_embed(L.ones(2, 2), 0, 0, 3),
    "diag_0d": lambda L: L.diag(L.tensor(1.0)),
    "diag_3d": lambda L: L.diag(L.ones(2, 2, 2)),
    "trace_1d": lambda L: L.trace(L.ones(3)),
    "trace_3d": lambda L: L.ones(2, 2, 2).trace(),
    "trace_bool": lambda L: L.trace(L.ones(2, 2, dtype=L.bool)),
    "tril_1d": lambda L: L.tril(L.ones(3)),
    "triu_0d": lambda L: L.triu(L.tensor(1.0)),
    "tril_float_diagonal": lambda L: L.tril(L.ones(2, 2), 1.5),
    "tril_indices_negative_row": lambda L: L.tril_indices(-1, 3),
    "triu_indices_negative_col": lambda L: L.triu_indices(3, -2),
    "tril_indices_float": lambda L: L.tril_indices(3, 3, dtype=L.float32),
    "unfold_too_long": lambda L: L.arange(7.0).unfold(0, 8, 2),
    "unfold_zero_step": lambda L: L.arange(7.0).unfold(0, 3, 0),
    "unfold_negative_step": lambda L: L.arange(7.0).unfold(0, 3, -1),
    "unfold_negative_size": lambda L: L.arange(7.0).unfold(0, -1, 1),
    "unfold_dim_range": lambda L: L.arange(7.0).unfold(1, 3, 1),
    "unfold_scalar_too_long": lambda L: L.tensor(5.0).unfold(0, 2, 1),
    "repeat_interleave_negative": lambda L: L.repeat_interleave(L.ones(2), -1),
    "repeat_interleave_negative_tensor": lambda L: L.repeat_interleave(
        L.ones(2, 3), L.tensor([1, -2]), dim=0),
    "repeat_interleave_length": lambda L: L.repeat_interleave(
        L.ones(2, 3), L.tensor([1, 2, 3]), dim=0),
    "repeat_interleave_length_flat": lambda L: L.repeat_interleave(
        L.ones(2, 3), L.tensor([1, 2, 3])),
    "repeat_interleave_2d_repeats": lambda L: L.repeat_interleave(
        L.ones(2, 3), L.tensor([[1, 2]]), dim=0),
    "repeat_interleave_float_repeats": lambda L: L.repeat_interleave(
        L.ones(2, 3), L.tensor([1.0, 2.0]), dim=0),
    "repeat_interleave_dim_range": lambda L: L.repeat_interleave(L.ones(2, 3), 2, dim=2),
    "repeat_interleave_output_size": lambda L: L.ones(2, 3).repeat_interleave(
        2, 0, output_size=5),
    "repeat_interleave_output_size_tensor": lambda L: L.repeat_interleave(
        L.ones(2, 3), L.tensor([1, 2]), dim=0, output_size=4),
    "repeat_interleave_counts_2d": lambda L: L.repeat_interleave(L.tensor([[2, 0, 1]])),
    "repeat_interleave_counts_negative": lambda L: L.repeat_interleave(L.tensor([2, -1])),
    "tril_out_dtype": lambda L: L.tril(L.ones(2, 2), out=L.empty(0, dtype=L.float64)),
    "diag_out_dtype": lambda L: L.diag(L.ones(2), out=L.empty(0, dtype=L.int64)),
    "diag_out_exact_dtype": lambda L: L.diag(L.ones(2), out=L.empty(0, dtype=L.float64)),
    "diag_matrix_out_dtype": lambda L: L.diag(L.ones(2, 2), out=L.empty(0, dtype=L.int64)),
    "repeat_interleave_method_needs_repeats": lambda L: L.ones(2).repeat_interleave(),
    "repeat_interleave_scalar_dim": lambda L: L.repeat_interleave(L.tensor(3.0), 2, dim=0),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch(name):
    with pytest.raises(Exception) as want:
        ERRORS[name](torch)
    with pytest.raises(type(want.value)) as got:
        ERRORS[name](ng)
    assert str(want.value).splitlines()[0] in str(got.value)
