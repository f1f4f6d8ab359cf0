"""pad, unfold and fold against torch: values, gradients (several outputs reading one input),
dtypes, and the errors of bad arguments (class and message)."""
import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn.functional as F

torch = pytest.importorskip("torch")

MODES = ["constant", "reflect", "replicate", "circular"]
# (shape, pad): ranks and pads the non-constant modes accept, negative pads among them.
PAD_CASES = [((2, 5), (2, 1)), ((2, 5), (-1, 3)), ((2, 5), (4, -1)), ((2, 5), (3, -2)),
             ((2, 3, 5), (1, 1)), ((2, 3, 4), (2, 1, 0, 3)), ((2, 3, 4), (-1, 2, 1, -1)), ((2, 3, 4, 5), (1, 2, 3, 0)),
             ((1, 2, 3, 4), (1, 1, 2, 2, 0, 2)), ((2, 1, 3, 3, 4), (0, -3, 2, 2, 1, -2)),
             ((1, 1, 1, 3, 4), (2, 3, 1, 0, 0, 1))]


def _run(fn_ng, fn_torch, x: np.ndarray, seed: int = 0):
    """Both results and both input gradients (for a random output gradient), or the errors."""
    a = ng.from_numpy(x.copy()).requires_grad_(x.dtype.kind == "f")
    b = torch.from_numpy(x.copy()).requires_grad_(x.dtype.kind == "f")
    try:
        expected = fn_torch(b)
    except Exception as err:  # noqa: BLE001 - the same error is expected from numbagrad
        with pytest.raises(type(err)) as info:
            fn_ng(a)
        assert str(info.value) == str(err)
        return None
    got = fn_ng(a)
    assert tuple(got.shape) == tuple(expected.shape)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(np.asarray(got.detach()), expected.detach().numpy())
    if x.dtype.kind == "f":
        v = np.random.default_rng(seed).standard_normal(tuple(expected.shape))
        got.backward(ng.from_numpy(v.astype(x.dtype)))
        expected.backward(torch.from_numpy(v.astype(x.dtype)))
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=1e-12)
    return got


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape,pad", PAD_CASES, ids=str)
def test_pad_matches_torch(mode, shape, pad):
    x = np.random.default_rng(1).standard_normal(shape)
    _run(lambda t: F.pad(t, pad, mode), lambda t: torch.nn.functional.pad(t, pad, mode), x)


def test_reflect_gradient_adds_the_mirrored_reads():
    x = ng.tensor([1.0, 2.0, 3.0]).reshape(1, 3).requires_grad_()
    out = F.pad(x, (2, 2), mode="reflect")
    assert out.tolist() == [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[2.0, 3.0, 2.0]]


def test_replicate_gradient_adds_the_padding_to_the_edges():
    x = ng.tensor([[1.0, 2.0, 3.0]]).requires_grad_()
    F.pad(x, (3, 1), mode="replicate").sum().backward()
    assert x.grad.tolist() == [[4.0, 1.0, 2.0]]


def test_constant_pads_any_number_of_dims_with_value():
    x = np.arange(24.0).reshape(2, 3, 4)
    _run(lambda t: F.pad(t, (1, 0, -1, 2, 1, 1), value=-2.5),
         lambda t: torch.nn.functional.pad(t, (1, 0, -1, 2, 1, 1), value=-2.5), x)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.float32])
def test_pad_value_is_converted_to_the_dtype(dtype):
    x = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    for value in (2.7, -2.7, 0.5):
        _run(lambda t: F.pad(t, (1, 2), value=value),
             lambda t: torch.nn.functional.pad(t, (1, 2), value=value), x)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_non_constant_modes_on_integers_and_bools(mode, dtype):
    x = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    _run(lambda t: F.pad(t, (2, 1), mode), lambda t: torch.nn.functional.pad(t, (2, 1), mode), x)


def test_float16_pad_and_gradient():
    x = ng.tensor([[1.0, 2.0, 3.0]], dtype=ng.float16).requires_grad_()
    out = F.pad(x, (1, 1), mode="circular")
    assert out.dtype is ng.float16
    assert out.tolist() == [[3.0, 1.0, 2.0, 3.0, 1.0]]
    out.sum().backward()
    assert x.grad.dtype is ng.float16 and x.grad.tolist() == [[2.0, 1.0, 2.0]]


BAD_PADS = [
    ((2, 3), dict(pad=(1,))), ((2, 3), dict(pad=(1, 2, 3))), ((2, 3), dict(pad=(1,) * 6)),
    ((2, 3), dict(pad=(-2, -2))), ((2, 3), dict(pad=(-4, 0))), ((2, 3), dict(pad=(2, -5))),
    ((2, 3), dict(pad=(1, 1), mode="bogus")), ((2, 3), dict(pad=(1,), mode="bogus")),
    ((2, 3), dict(pad=(1, 1), mode=1)), ((2, 3), dict(pad=[1.5, 1])),
    ((2, 3), dict(pad=(True, 1))), ((2, 3), dict(pad=1)), ((2, 3), dict(pad=(1, 1), value="a")),
    ((2, 3), dict(pad=(1, 1), mode="reflect", value=2)),
    ((2, 3), dict(pad=(3, 1), mode="reflect")), ((2, 3), dict(pad=(-5, 2), mode="reflect")),
    ((3,), dict(pad=(1, 1), mode="reflect")), ((3,), dict(pad=(1, 1), mode="circular")),
    ((3, 3), dict(pad=(1, 1, 1, 1), mode="replicate")),
    ((2, 2, 2, 3, 3, 3), dict(pad=(1, 1), mode="reflect")),
    ((2, 3, 3), dict(pad=(1, 1, 3, 1), mode="reflect")),
    ((2, 3, 3, 3), dict(pad=(1, 1, 1, 1, 3, 1), mode="reflect")),
    ((2, 3, 3, 3), dict(pad=(5, 5, 5, 5, 5, 5), mode="reflect")),
    ((0, 3), dict(pad=(1, 1), mode="reflect")), ((2, 0, 3, 3), dict(pad=(1, 1, 1, 1),
                                                                   mode="replicate")),
    ((2, 3, 3, 3, 0), dict(pad=(1,) * 6, mode="replicate")),
    ((2, 3), dict(pad=(-2, -1), mode="reflect")), ((2, 3), dict(pad=(-2, -1), mode="replicate")),
    ((2, 3, 3), dict(pad=(-2, -1, -2, -1), mode="reflect")),
    ((2, 3, 3), dict(pad=(-2, -1, -2, -1), mode="replicate")),
    ((2, 3, 3, 3), dict(pad=(-2, -1) * 3, mode="replicate")),
    ((2, 3, 3), dict(pad=(-3, -1, 0, 0), mode="replicate")),
    ((2, 3), dict(pad=(4, 3), mode="circular")), ((2, 3), dict(pad=(-3, -1), mode="circular")),
    ((3, 0, 3), dict(pad=(1, 1, 1, 1), mode="circular")),
]


@pytest.mark.parametrize("shape,kwargs", BAD_PADS, ids=str)
def test_pad_errors_match_torch(shape, kwargs):
    x = np.ones(shape)
    assert _run(lambda t: F.pad(t, **kwargs), lambda t: torch.nn.functional.pad(t, **kwargs),
                x) is None


def test_pad_input_must_be_a_tensor():
    with pytest.raises(TypeError, match=r"pad\(\): argument 'input' \(position 1\) must be "
                                        "Tensor, not list"):
        F.pad([1.0], (1, 1))


@pytest.mark.parametrize("pad", [(4, -2), (-2, 4)])
def test_circular_wrap_must_fit_what_the_crop_leaves(pad):
    # torch's copies read what they write here: an error or uninitialised memory.
    with pytest.raises(RuntimeError, match=r"wraps more than once around the 3 element"):
        F.pad(ng.ones(2, 5), pad, mode="circular")


UNFOLDS = [((2, 3, 5, 6), dict(kernel_size=2)), ((3, 5, 6), dict(kernel_size=(2, 3))),
           ((2, 2, 5, 6), dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 2),
                               dilation=(2, 1))),
           ((1, 2, 4, 4), dict(kernel_size=3, padding=1, stride=2)), ((0, 3, 4, 5), dict(
               kernel_size=2))]


@pytest.mark.parametrize("shape,kwargs", UNFOLDS, ids=str)
def test_unfold_and_fold_match_torch(shape, kwargs):
    x = np.random.default_rng(2).standard_normal(shape)
    cols = _run(lambda t: F.unfold(t, **kwargs), lambda t: torch.nn.functional.unfold(t, **kwargs),
                x)
    size = shape[-2:]
    c = np.random.default_rng(3).standard_normal(tuple(cols.shape))
    _run(lambda t: F.fold(t, size, **kwargs), lambda t: torch.nn.functional.fold(t, size, **kwargs),
         c)


def test_fold_is_the_adjoint_of_unfold():
    rng = np.random.default_rng(4)
    kwargs = dict(kernel_size=(3, 2), dilation=(1, 2), padding=(2, 1), stride=(2, 3))
    x = rng.standard_normal((2, 3, 7, 8))
    cols = F.unfold(ng.from_numpy(x), **kwargs)
    y = rng.standard_normal(tuple(cols.shape))
    back = F.fold(ng.from_numpy(y), (7, 8), **kwargs)
    np.testing.assert_allclose(np.sum(np.asarray(cols) * y), np.sum(x * np.asarray(back)))


def test_unfold_float32_and_float16():
    x = np.arange(2 * 16, dtype=np.float32).reshape(2, 4, 4)
    for dtype in (ng.float32, ng.float16):
        got = F.unfold(ng.tensor(x, dtype=dtype), 2, stride=2)
        assert got.dtype is dtype
        want = torch.nn.functional.unfold(torch.tensor(x), 2, stride=2).numpy()
        np.testing.assert_array_equal(np.asarray(got.float()), want)


BAD_UNFOLDS = [
    ((2, 3, 4, 5), dict(kernel_size=0)), ((2, 3, 4, 5), dict(kernel_size=(2, 0))),
    ((2, 3, 4, 5), dict(kernel_size=2, dilation=0)), ((2, 3, 4, 5), dict(kernel_size=2,
                                                                         padding=-1)),
    ((2, 3, 4, 5), dict(kernel_size=2, stride=0)), ((2, 3, 4, 5), dict(kernel_size=6)),
    ((2, 3, 4, 5), dict(kernel_size=(1, 6))), ((2, 3, 4, 5), dict(kernel_size=(2, 3, 4))),
    ((2, 3, 4, 5), dict(kernel_size=2.0)), ((2, 3, 4, 5), dict(kernel_size=(2,))),
    ((2, 3, 4, 5), dict(kernel_size=1, stride=0, dilation=0, padding=-1)),
    ((2, 3, 4, 5), dict(kernel_size=1, stride=0, padding=-1)),
    ((4, 5), dict(kernel_size=2)), ((1, 2, 3, 4, 5), dict(kernel_size=2)),
    ((2, 0, 4, 5), dict(kernel_size=2)), ((2, 3, 0, 5), dict(kernel_size=2)),
]


@pytest.mark.parametrize("shape,kwargs", BAD_UNFOLDS, ids=str)
def test_unfold_errors_match_torch(shape, kwargs):
    x = np.ones(shape)
    assert _run(lambda t: F.unfold(t, **kwargs),
                lambda t: torch.nn.functional.unfold(t, **kwargs), x) is None


BAD_FOLDS = [
    ((2, 12, 6), (3, 5), dict(kernel_size=2)), ((2, 13, 6), (3, 4), dict(kernel_size=2)),
    ((2, 12, 6), (3, 4), dict(kernel_size=0)), ((2, 12, 6), (3, 4), dict(kernel_size=2,
                                                                         dilation=0)),
    ((2, 12, 6), (3, 4), dict(kernel_size=2, padding=-1)),
    ((2, 12, 6), (3, 4), dict(kernel_size=2, stride=0)),
    ((2, 12, 6), (3, 4), dict(kernel_size=1, stride=0, dilation=0, padding=-1)),
    ((2, 12, 6), (3, 4), dict(kernel_size=1, dilation=0, padding=-1)),
    ((2, 12, 6), (0, 4), dict(kernel_size=2)), ((2, 12, 6), (1, 4), dict(kernel_size=2)),
    ((2, 12, 6), 3, dict(kernel_size=2)), ((2, 12, 6), (3, 4, 5), dict(kernel_size=2)),
    ((12,), (3, 4), dict(kernel_size=2)), ((1, 2, 12, 6), (3, 4), dict(kernel_size=2)),
    ((2, 0, 6), (3, 4), dict(kernel_size=2)), ((2, 12, 0), (3, 4), dict(kernel_size=2)),
]


@pytest.mark.parametrize("shape,size,kwargs", BAD_FOLDS, ids=str)
def test_fold_errors_match_torch(shape, size, kwargs):
    x = np.ones(shape)
    assert _run(lambda t: F.fold(t, size, **kwargs),
                lambda t: torch.nn.functional.fold(t, size, **kwargs), x) is None


def test_integer_blocks_are_refused_as_torch():
    with pytest.raises(NotImplementedError, match="\"im2col_out_cpu\" not implemented for 'Long'"):
        F.unfold(ng.ones(1, 1, 2, 2, dtype=ng.int64), 2)
    with pytest.raises(NotImplementedError, match="\"col2im_out_cpu\" not implemented for 'Int'"):
        F.fold(ng.ones(1, 4, 1, dtype=ng.int32), (2, 2), 2)
