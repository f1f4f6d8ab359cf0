"""Dropout masks, attention dropout and rrelu's slopes are torch's: after the same
``manual_seed`` the same elements are dropped (bitwise the same outputs) and the default
generator is left where torch leaves it."""
from __future__ import annotations

import numpy as np
import pytest

import numbagrad

torch = pytest.importorskip("torch")

from tests.random.streams import next_draws as _next  # noqa: E402


def _run_both(apply, x: np.ndarray, seed: int = 0):
    """``apply(lib, input)`` in both libraries after ``manual_seed(seed)``: the outputs and one
    draw made afterwards."""
    out = []
    for lib in (numbagrad, torch):
        lib.manual_seed(seed)
        y = apply(lib, lib.from_numpy(x.copy()))
        out.append((np.array(y.detach().numpy()), _next(lib)))
    return out


def _assert_bitwise(apply, x: np.ndarray, seed: int = 0) -> None:
    (ng, ng_after), (t, t_after) = _run_both(apply, x, seed)
    assert ng.dtype == t.dtype and ng.shape == t.shape
    assert ng.tobytes() == t.tobytes()
    np.testing.assert_array_equal(ng_after, t_after, err_msg="stream left elsewhere")


def _input(shape, dtype, seed: int = 1) -> np.ndarray:
    # No zeros: a dropped element is then told from a kept one.
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return np.where(x == 0, 1, x).astype(dtype)


@pytest.mark.parametrize("n", [7, 100, 801, 1700])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_mask_is_torchs(n, dtype, p):
    _assert_bitwise(lambda lib, x: lib.nn.functional.dropout(x, p), _input((n,), dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_module_2d_and_inplace(dtype):
    x = _input((40, 30), dtype)
    _assert_bitwise(lambda lib, x: lib.nn.Dropout(0.3)(x), x, seed=4)
    _assert_bitwise(lambda lib, x: lib.nn.Dropout(0.3, inplace=True)(x), x, seed=4)


def test_dropout_consumes_nothing_in_evaluation():
    _assert_bitwise(lambda lib, x: lib.nn.Dropout(0.3).eval()(x), _input((900,), np.float32))


FEATURE = {
    "Dropout1d": ((3, 4, 5), lambda nn: nn.Dropout1d(0.4)),
    "Dropout1d-unbatched": ((4, 5), lambda nn: nn.Dropout1d(0.4)),
    "Dropout2d": ((2, 3, 4, 4), lambda nn: nn.Dropout2d(0.5)),
    "Dropout3d": ((2, 3, 2, 2, 2), lambda nn: nn.Dropout3d(0.3)),
    "Dropout3d-unbatched": ((3, 2, 2, 2), lambda nn: nn.Dropout3d(0.3)),
    "Dropout3d-many-channels": ((4, 300, 1, 1, 2), lambda nn: nn.Dropout3d(0.3)),
    "AlphaDropout": ((5, 7), lambda nn: nn.AlphaDropout(0.3)),
    "AlphaDropout-large": ((1000,), lambda nn: nn.AlphaDropout(0.6)),
    "FeatureAlphaDropout": ((2, 3, 4), lambda nn: nn.FeatureAlphaDropout(0.4)),
    "FeatureAlphaDropout-large": ((30, 40, 2), lambda nn: nn.FeatureAlphaDropout(0.4)),
}


@pytest.mark.parametrize("name", sorted(FEATURE))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_channel_and_alpha_dropout_are_torchs(name, dtype):
    shape, make = FEATURE[name]
    _assert_bitwise(lambda lib, x: make(lib.nn)(x), _input(shape, dtype), seed=2)


def test_attention_dropout_drops_torchs_probabilities():
    """With ``value`` the identity, the output is the dropped attention matrix itself."""
    q = _input((2, 3, 4, 5), np.float32, seed=1)
    k = _input((2, 3, 6, 5), np.float32, seed=2)
    v = np.broadcast_to(np.eye(6, dtype=np.float32), (2, 3, 6, 6)).copy()
    results = []
    for lib in (numbagrad, torch):
        lib.manual_seed(9)
        out = lib.nn.functional.scaled_dot_product_attention(
            lib.from_numpy(q), lib.from_numpy(k), lib.from_numpy(v), dropout_p=0.4)
        results.append((out.numpy().copy(), _next(lib)))
    (ng, ng_after), (t, t_after) = results
    np.testing.assert_array_equal(ng == 0, t == 0)
    np.testing.assert_allclose(ng, t, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ng_after, t_after)


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_dropout_is_torchs(need_weights):
    x = _input((5, 2, 8), np.float32)
    results = []
    for lib in (numbagrad, torch):
        lib.manual_seed(0)
        mha = lib.nn.MultiheadAttention(8, 2, dropout=0.5)
        out, _ = mha(*(lib.from_numpy(x),) * 3, need_weights=need_weights)
        results.append((out.detach().numpy().copy(), _next(lib)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [10, 900])
def test_rrelu_slopes_are_torchs(dtype, n):
    x = _input((n,), dtype)
    _assert_bitwise(lambda lib, x: lib.nn.functional.rrelu(x, training=True), x, seed=6)
    _assert_bitwise(lambda lib, x: lib.nn.RReLU(0.1, 0.6)(x), x.reshape(-1, 5), seed=6)


def test_rrelu_in_training_refuses_float16_as_torch():
    x = np.full(3, -1.0, dtype=np.float16)
    for lib in (numbagrad, torch):
        with pytest.raises(NotImplementedError, match="rrelu_with_noise_out_cpu"):
            lib.nn.functional.rrelu(lib.from_numpy(x), training=True)


VIEWS = {
    "transpose": lambda x: x.transpose(0, 2),
    "permute": lambda x: x.permute(1, 2, 0),
    "strided": lambda x: x[:, ::2],
    "transposed-slice": lambda x: x[:, :1].transpose(1, 2),
}


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("fn", ["dropout", "alpha_dropout", "dropout1d"])
def test_dropout_of_a_view_follows_torchs_layout(view, fn):
    """torch's noise is ``empty_like(input)``: a transposed input's mask is drawn in memory
    order, a strided slice's in logical order."""
    x = _input((3, 4, 5), np.float32)
    _assert_bitwise(lambda lib, t: getattr(lib.nn.functional, fn)(VIEWS[view](t), 0.5, True), x)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("decoder", [False, True])
def test_transformer_layer_in_training_is_torchs(batch_first, decoder):
    x = _input((2, 5, 8), np.float32)
    results = []
    for lib in (numbagrad, torch):
        lib.manual_seed(0)
        cls = lib.nn.TransformerDecoderLayer if decoder else lib.nn.TransformerEncoderLayer
        layer = cls(8, 2, 16, dropout=0.3, batch_first=batch_first)
        t = lib.from_numpy(x)
        out = layer(t, t) if decoder else layer(t)
        results.append((out.detach().numpy().copy(), _next(lib)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5, atol=1e-5)
    assert results[0][1] == results[1][1]
