"""Default initialisation and ``nn.init`` draw torch's numbers: after the same ``manual_seed``
every parameter of every layer is bitwise torch's, and the stream is left where torch leaves it.

``orthogonal_`` is the one exception: its normal draws are torch's, its QR runs on NumPy's
LAPACK, not torch's, so it agrees to rounding only.
"""
from __future__ import annotations

import numpy as np
import pytest

import numbagrad

torch = pytest.importorskip("torch")

from tests.random.streams import next_draws as _next  # noqa: E402


def _bits(t) -> tuple:
    a = np.ascontiguousarray(t.detach().numpy())
    return a.dtype.str, a.shape, a.tobytes()


def _both(make, seed: int = 0):
    """``make(lib)`` after ``lib.manual_seed(seed)`` in both libraries, and then one draw each
    (three uniforms), which agree only if the construction consumed the same stream."""
    out = []
    for lib in (numbagrad, torch):
        lib.manual_seed(seed)
        made = make(lib)
        out.append((made, _next(lib)))
    (ng, ng_after), (t, t_after) = out
    np.testing.assert_array_equal(ng_after, t_after, err_msg="stream left elsewhere")
    return ng, t


def _assert_params_equal(ng, t) -> None:
    ng_params = dict(ng.named_parameters())
    t_params = dict(t.named_parameters())
    assert list(ng_params) == list(t_params)
    for name, param in t_params.items():
        assert _bits(ng_params[name]) == _bits(param), name


LAYERS = {
    "Linear": lambda nn, d: nn.Linear(5, 3, dtype=d),
    "Linear-nobias": lambda nn, d: nn.Linear(40, 2, bias=False, dtype=d),
    "Conv1d": lambda nn, d: nn.Conv1d(2, 3, 3, dtype=d),
    "Conv2d-groups": lambda nn, d: nn.Conv2d(2, 4, (3, 2), groups=2, dtype=d),
    "Conv3d": lambda nn, d: nn.Conv3d(1, 2, 2, dtype=d),
    "ConvTranspose1d": lambda nn, d: nn.ConvTranspose1d(2, 3, 3, dtype=d),
    "ConvTranspose2d": lambda nn, d: nn.ConvTranspose2d(4, 2, 3, groups=2, dtype=d),
    "ConvTranspose3d": lambda nn, d: nn.ConvTranspose3d(1, 2, 2, bias=False, dtype=d),
    "Embedding": lambda nn, d: nn.Embedding(10, 4, dtype=d),
    "Embedding-padding": lambda nn, d: nn.Embedding(10, 4, padding_idx=2, dtype=d),
    "EmbeddingBag": lambda nn, d: nn.EmbeddingBag(7, 3, mode="sum", dtype=d),
    "BatchNorm1d": lambda nn, d: nn.BatchNorm1d(3, dtype=d),
    "BatchNorm2d": lambda nn, d: nn.BatchNorm2d(3, dtype=d),
    "BatchNorm3d": lambda nn, d: nn.BatchNorm3d(3, dtype=d),
    "InstanceNorm1d-affine": lambda nn, d: nn.InstanceNorm1d(3, affine=True, dtype=d),
    "InstanceNorm2d-affine": lambda nn, d: nn.InstanceNorm2d(3, affine=True, dtype=d),
    "InstanceNorm3d-affine": lambda nn, d: nn.InstanceNorm3d(2, affine=True, dtype=d),
    "GroupNorm": lambda nn, d: nn.GroupNorm(2, 4, dtype=d),
    "LayerNorm": lambda nn, d: nn.LayerNorm(4, dtype=d),
    "PReLU": lambda nn, d: nn.PReLU(3, dtype=d),
    "RNN": lambda nn, d: nn.RNN(3, 4, num_layers=2, dtype=d),
    "RNN-bidirectional": lambda nn, d: nn.RNN(3, 4, bidirectional=True, nonlinearity="relu",
                                              dtype=d),
    "LSTM": lambda nn, d: nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=d),
    "LSTM-proj": lambda nn, d: nn.LSTM(3, 4, proj_size=2, dtype=d),
    "GRU": lambda nn, d: nn.GRU(3, 4, bias=False, batch_first=True, dtype=d),
    "RNNCell": lambda nn, d: nn.RNNCell(3, 4, dtype=d),
    "LSTMCell": lambda nn, d: nn.LSTMCell(3, 4, dtype=d),
    "GRUCell": lambda nn, d: nn.GRUCell(3, 4, dtype=d),
    "MultiheadAttention": lambda nn, d: nn.MultiheadAttention(8, 2, dtype=d),
    "MultiheadAttention-kvdim": lambda nn, d: nn.MultiheadAttention(8, 2, kdim=5, vdim=6,
                                                                    dtype=d),
    "MultiheadAttention-biaskv": lambda nn, d: nn.MultiheadAttention(8, 2, add_bias_kv=True,
                                                                     dtype=d),
    "MultiheadAttention-nobias": lambda nn, d: nn.MultiheadAttention(8, 2, bias=False, dtype=d),
    "TransformerEncoderLayer": lambda nn, d: nn.TransformerEncoderLayer(8, 2, 16, dtype=d),
    "TransformerDecoderLayer": lambda nn, d: nn.TransformerDecoderLayer(8, 2, 16, dtype=d),
    "TransformerEncoder": lambda nn, d: nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, 16, dtype=d), 2, enable_nested_tensor=False),
    "TransformerDecoder": lambda nn, d: nn.TransformerDecoder(
        nn.TransformerDecoderLayer(8, 2, 16, dtype=d), 2),
    "Transformer": lambda nn, d: nn.Transformer(8, 2, 1, 1, 16, dtype=d),
}


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_default_init_is_torchs(name):
    ng, t = _both(lambda lib: LAYERS[name](lib.nn, lib.float32), seed=3)
    _assert_params_equal(ng, t)


@pytest.mark.parametrize("name", ["Linear", "Conv2d-groups", "Embedding", "LSTM",
                                  "MultiheadAttention", "TransformerEncoderLayer"])
def test_default_init_is_torchs_float64(name):
    ng, t = _both(lambda lib: LAYERS[name](lib.nn, lib.float64), seed=11)
    _assert_params_equal(ng, t)


def test_every_layer_with_parameters_is_covered():
    """Every module class of numbagrad.nn that owns parameters by default is in LAYERS."""
    covered = {name.split("-")[0] for name in LAYERS} | {"RNNBase", "RNNCellBase"}
    drawing = []
    for name in numbagrad.nn.__all__:
        cls = getattr(numbagrad.nn, name)
        if isinstance(cls, type) and issubclass(cls, numbagrad.nn.Module):
            if hasattr(cls, "reset_parameters") or hasattr(cls, "_reset_parameters"):
                drawing.append(name)
    assert "Linear" in drawing
    assert sorted(set(drawing) - covered) == []


def test_a_model_built_layer_by_layer_is_torchs():
    def make(lib):
        nn = lib.nn
        return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 36, 32),
                             nn.Dropout(0.2), nn.Linear(32, 10))

    ng, t = _both(make, seed=0)
    _assert_params_equal(ng, t)


# ---------------------------------------------------------------------------- nn.init
def _init_both(fill, shape, dtype="float32", seed: int = 5, generator: bool = False):
    """``fill(lib, tensor, generator)`` on ``empty(shape)`` of both libraries."""
    out = []
    for lib in (numbagrad, torch):
        lib.manual_seed(seed)
        gen = lib.Generator().manual_seed(seed + 1) if generator else None
        tensor = lib.empty(*shape, dtype=getattr(lib, dtype))
        result = fill(lib, tensor, gen)
        assert result is tensor
        out.append((_bits(tensor), _next(lib)))
    assert out[0][0] == out[1][0]
    np.testing.assert_array_equal(out[0][1], out[1][1], err_msg="stream left elsewhere")


FILLS = {
    "uniform_": lambda lib, t, g: lib.nn.init.uniform_(t, -0.3, 0.7, generator=g),
    "normal_": lambda lib, t, g: lib.nn.init.normal_(t, 0.5, 2.0, generator=g),
    "trunc_normal_": lambda lib, t, g: lib.nn.init.trunc_normal_(t, std=1.5, generator=g),
    "trunc_normal_-tail": lambda lib, t, g: lib.nn.init.trunc_normal_(t, 0.0, 1.0, 2.0, 3.5,
                                                                      generator=g),
    "xavier_uniform_": lambda lib, t, g: lib.nn.init.xavier_uniform_(t, gain=1.7, generator=g),
    "xavier_normal_": lambda lib, t, g: lib.nn.init.xavier_normal_(t, gain=0.3, generator=g),
    "kaiming_uniform_": lambda lib, t, g: lib.nn.init.kaiming_uniform_(
        t, a=0.2, mode="fan_out", nonlinearity="leaky_relu", generator=g),
    "kaiming_normal_": lambda lib, t, g: lib.nn.init.kaiming_normal_(
        t, nonlinearity="relu", generator=g),
    "sparse_": lambda lib, t, g: lib.nn.init.sparse_(t, 0.4, std=0.2, generator=g),
    "constant_": lambda lib, t, g: lib.nn.init.constant_(t, 0.1),
    "eye_": lambda lib, t, g: lib.nn.init.eye_(t),
}


@pytest.mark.parametrize("name", sorted(FILLS))
@pytest.mark.parametrize("shape", [(3, 4), (30, 27)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_init_function_is_torchs(name, shape, dtype):
    _init_both(FILLS[name], shape, dtype)


@pytest.mark.parametrize("name", ["uniform_", "normal_", "trunc_normal_", "trunc_normal_-tail",
                                  "kaiming_normal_", "sparse_"])
def test_init_function_with_a_generator_is_torchs(name):
    _init_both(FILLS[name], (9, 7), generator=True)


@pytest.mark.parametrize("shape", [(4, 3, 3), (6, 2, 3, 3), (4, 4, 1, 3, 3)])
def test_dirac_is_torchs(shape):
    _init_both(lambda lib, t, g: lib.nn.init.dirac_(t, groups=2), shape)


@pytest.mark.parametrize("shape", [(5, 3), (3, 8), (4, 2, 3)])
def test_orthogonal_draws_torchs_normals_and_agrees_to_rounding(shape):
    results = []
    for lib in (numbagrad, torch):
        lib.manual_seed(7)
        w = lib.nn.init.orthogonal_(lib.empty(*shape), gain=2.0)
        results.append((w.numpy().copy(), _next(lib)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(results[0][1], results[1][1])
