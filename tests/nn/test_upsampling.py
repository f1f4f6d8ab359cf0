"""``F.interpolate`` / ``nn.Upsample`` (every mode, align_corners, size and scale factors),
``PixelShuffle`` / ``PixelUnshuffle``: torch parity of values, gradients, reprs and errors."""
import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn.functional as F


def _ng(t, requires_grad=False):
    return ng.from_numpy(t.detach().numpy().copy()).requires_grad_(requires_grad)


def _parity(torch, shape, dtype, ng_fn, torch_fn):
    tdtype = getattr(torch, dtype)
    tx = torch.randn(shape, dtype=tdtype, generator=torch.Generator().manual_seed(0),
                     requires_grad=True)
    x = _ng(tx, requires_grad=True)
    tout, out = torch_fn(tx), ng_fn(x)
    assert out.dtype == getattr(ng, dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.asarray(out.detach()), tout.detach().numpy(), **tol)
    g = torch.randn(tout.shape, dtype=tdtype, generator=torch.Generator().manual_seed(1))
    tout.backward(g)
    out.backward(_ng(g))
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), **tol)


MODES = [("nearest", (2, 3, 5)), ("nearest", (2, 2, 4, 5)), ("nearest", (1, 2, 3, 4, 3)),
         ("nearest-exact", (2, 2, 4, 5)), ("nearest-exact", (1, 2, 3, 4, 3)),
         ("linear", (2, 3, 5)), ("bilinear", (2, 2, 4, 5)), ("bicubic", (2, 2, 4, 5)),
         ("trilinear", (1, 2, 3, 4, 3)), ("area", (2, 2, 7, 5))]
SIZES = [dict(scale_factor=2), dict(scale_factor=1.7), dict(scale_factor=0.6),
         dict(scale_factor=2.3, recompute_scale_factor=True), dict(size=3), dict(size=7)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sizes", SIZES, ids=str)
@pytest.mark.parametrize("mode,shape", MODES, ids=str)
def test_interpolate_matches_torch(mode, shape, sizes, dtype):
    torch = pytest.importorskip("torch")
    corners = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for align_corners in corners:
        kwargs = dict(sizes, mode=mode, align_corners=align_corners)
        _parity(torch, shape, dtype, lambda x: F.interpolate(x, **kwargs),
                lambda x: torch.nn.functional.interpolate(x, **kwargs))


def test_interpolate_per_axis_sizes_and_scales():
    torch = pytest.importorskip("torch")
    for kwargs in (dict(size=(3, 8), mode="bilinear"), dict(scale_factor=(0.5, 3.0)),
                   dict(scale_factor=(1.5, 2.5), mode="bicubic", align_corners=True)):
        _parity(torch, (1, 2, 6, 4), "float64", lambda x: F.interpolate(x, **kwargs),
                lambda x: torch.nn.functional.interpolate(x, **kwargs))


@pytest.mark.parametrize("name,args,kwargs", [
    ("Upsample", (), dict(scale_factor=2)),
    ("Upsample", (), dict(size=(5, 3), mode="bilinear")),
    ("Upsample", (), dict(scale_factor=(1.5, 2), mode="bicubic", align_corners=True)),
    ("UpsamplingNearest2d", (), dict(scale_factor=2)),
    ("UpsamplingBilinear2d", (), dict(size=(3, 7))),
], ids=str)
def test_upsample_modules_match_torch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    mod, tmod = getattr(ng.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(mod) == repr(tmod)
    _parity(torch, (2, 2, 4, 5), "float32", mod, tmod)


def test_upsample_repr_as_torch():
    assert repr(ng.nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(ng.nn.Upsample(size=3, mode="bilinear")) == "Upsample(size=3, mode='bilinear')"


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(size=2, scale_factor=2), ValueError, "only one of size or scale_factor should be defined"),
    (dict(), ValueError, "either size or scale_factor should be defined"),
    (dict(size=2, align_corners=True), ValueError,
     "align_corners option can only be set with the interpolating modes: linear | bilinear | "
     "bicubic | trilinear"),
    (dict(size=(2, 2)), ValueError,
     "Input and output must have the same number of spatial dimensions, but got input with "
     "spatial dimensions of [4] and output size of (2, 2). Please provide input tensor in (N, "
     "C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."),
    (dict(size=2, recompute_scale_factor=True), ValueError,
     "recompute_scale_factor is not meaningful with an explicit size."),
    (dict(size=2, mode="bilinear"), NotImplementedError,
     "Got 3D input, but bilinear mode needs 4D input"),
    (dict(size=2, mode="trilinear"), NotImplementedError,
     "Got 3D input, but trilinear mode needs 5D input"),
])
def test_interpolate_errors_as_torch(kwargs, error, message):
    with pytest.raises(error) as err:
        F.interpolate(ng.zeros(1, 2, 4), **kwargs)
    assert str(err.value) == message
    torch = pytest.importorskip("torch")
    with pytest.raises(error) as terr:
        torch.nn.functional.interpolate(torch.zeros(1, 2, 4), **kwargs)
    assert str(terr.value) == message


@pytest.mark.parametrize("r", [1, 2, 3])
def test_pixel_shuffle_and_unshuffle_match_torch(r):
    torch = pytest.importorskip("torch")
    shuffle, tshuffle = ng.nn.PixelShuffle(r), torch.nn.PixelShuffle(r)
    unshuffle, tunshuffle = ng.nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r)
    assert repr(shuffle) == repr(tshuffle) and repr(unshuffle) == repr(tunshuffle)
    _parity(torch, (2, 3 * r * r, 4, 5), "float64", shuffle, tshuffle)
    _parity(torch, (3 * r * r, 2, 3), "float64", shuffle, tshuffle)  # unbatched
    _parity(torch, (2, 3, 4 * r, 5 * r), "float64", unshuffle, tunshuffle)
    x = ng.randn(2, 3, 2 * r, 4 * r)
    np.testing.assert_array_equal(np.asarray(F.pixel_shuffle(F.pixel_unshuffle(x, r), r)),
                                  np.asarray(x))


def test_pixel_shuffle_errors_as_torch():
    torch = pytest.importorskip("torch")
    for fn, shape, r in (("pixel_shuffle", (1, 5, 2, 2), 2), ("pixel_unshuffle", (1, 1, 3, 4), 2),
                         ("pixel_unshuffle", (1, 1, 4, 3), 2), ("pixel_shuffle", (4, 4), 2)):
        with pytest.raises(RuntimeError) as err:
            getattr(F, fn)(ng.zeros(*shape), r)
        with pytest.raises(RuntimeError) as terr:
            getattr(torch.nn.functional, fn)(torch.zeros(*shape), r)
        assert str(err.value) == str(terr.value)
