"""Transformer layers, stacks and ``nn.Transformer`` against torch: a torch state_dict loads
into the numbagrad model, whose outputs and gradients then match torch's."""
import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")


def _copy_weights(ours, theirs):
    state = {k: ng.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state)


def _build(dtype, make):
    theirs = make(torch).to(getattr(torch, np.dtype(dtype).name))
    ours = make(ng).to(getattr(ng, np.dtype(dtype).name))
    _copy_weights(ours, theirs)
    return ours, theirs


def _compare(ours, theirs, arrays, dtype, masks=None, train=False, **kw):
    masks = masks or {}
    rtol, atol = (2e-4, 2e-5) if dtype == np.float32 else (1e-9, 1e-10)
    outs, params, inputs = [], [], []
    for lib, mod in ((ng, ours), (torch, theirs)):
        mod.train(train)
        ins = [lib.tensor(a, requires_grad=True) for a in arrays]
        mk = {k: lib.tensor(v) for k, v in masks.items()}
        out = mod(*ins, **mk, **kw)
        g = np.random.default_rng(5).standard_normal(tuple(out.shape)).astype(dtype)
        (out * lib.tensor(g)).sum().backward()
        outs.append(out.detach().numpy())
        params.append({n: p.grad.numpy() for n, p in mod.named_parameters()})
        inputs.append([t.grad.numpy() for t in ins])
    np.testing.assert_allclose(outs[0], outs[1], rtol=rtol, atol=atol)
    for a, b in zip(*inputs):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    assert sorted(params[0]) == sorted(params[1])
    for name, grad in params[1].items():
        np.testing.assert_allclose(params[0][name], grad, rtol=rtol, atol=atol, err_msg=name)


ENCODER_LAYERS = {
    "post_norm_relu": dict(),
    "pre_norm_gelu": dict(norm_first=True, activation="gelu"),
    "batch_first_no_bias": dict(batch_first=True, bias=False),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(ENCODER_LAYERS))
def test_encoder_layer_matches_torch(case, dtype):
    kw = ENCODER_LAYERS[case]
    ours, theirs = _build(dtype, lambda lib: lib.nn.TransformerEncoderLayer(
        8, 2, dim_feedforward=12, dropout=0.1, **kw))
    first = kw.get("batch_first", False)
    x = np.random.default_rng(0).standard_normal((2, 4, 8) if first else (4, 2, 8))
    kpm = np.array([[False, False, False, True], [False, False, False, False]])
    _compare(ours, theirs, [x.astype(dtype)], dtype, masks={"src_key_padding_mask": kpm})


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_decoder_layer_matches_torch(dtype):
    ours, theirs = _build(dtype, lambda lib: lib.nn.TransformerDecoderLayer(
        8, 2, dim_feedforward=12, norm_first=True))
    rng = np.random.default_rng(1)
    tgt, mem = rng.standard_normal((3, 2, 8)), rng.standard_normal((4, 2, 8))
    mask = np.triu(np.full((3, 3), -np.inf), 1).astype(dtype)
    _compare(ours, theirs, [tgt.astype(dtype), mem.astype(dtype)], dtype,
             masks={"tgt_mask": mask}, tgt_is_causal=True)


def test_stacks_with_norm_match_torch():
    def make(lib):
        layer = lib.nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, dropout=0.0)
        return lib.nn.TransformerEncoder(layer, num_layers=2, norm=lib.nn.LayerNorm(8),
                                         enable_nested_tensor=False)

    ours, theirs = _build(np.float64, make)
    x = np.random.default_rng(2).standard_normal((4, 2, 8))
    mask = np.random.default_rng(3).random((4, 4)) > 0.7
    np.fill_diagonal(mask, False)
    _compare(ours, theirs, [x], np.float64, masks={"mask": mask}, train=True)

    def make_dec(lib):
        layer = lib.nn.TransformerDecoderLayer(8, 2, dim_feedforward=12, dropout=0.0,
                                               activation=lib.nn.functional.gelu)
        return lib.nn.TransformerDecoder(layer, num_layers=2, norm=lib.nn.LayerNorm(8))

    ours, theirs = _build(np.float64, make_dec)
    rng = np.random.default_rng(4)
    _compare(ours, theirs, [rng.standard_normal((3, 2, 8)), rng.standard_normal((4, 2, 8))],
             np.float64, train=True)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    ours, theirs = _build(np.float64, lambda lib: lib.nn.Transformer(
        d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16,
        batch_first=batch_first))
    rng = np.random.default_rng(6)
    src = rng.standard_normal((2, 5, 8) if batch_first else (5, 2, 8))
    tgt = rng.standard_normal((2, 3, 8) if batch_first else (3, 2, 8))
    masks = {"tgt_mask": np.triu(np.full((3, 3), -np.inf), 1),
             "memory_key_padding_mask": np.array([[False] * 4 + [True], [False] * 5])}
    _compare(ours, theirs, [src, tgt], np.float64, masks=masks)


def test_transformer_parameters_and_repr_as_torch():
    kw = dict(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
              dim_feedforward=16)
    ours, theirs = ng.nn.Transformer(**kw), torch.nn.Transformer(**kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (name, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert tuple(a.shape) == tuple(b.shape), name
    assert repr(ours) == repr(theirs)
    # Every matrix Xavier-uniform: the (16, 8) linear1 weight within sqrt(6 / 24).
    w = ours.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(w).max() <= np.sqrt(6.0 / 24)
    # Clones are copies, not the same module.
    enc = ng.nn.TransformerEncoder(ng.nn.TransformerEncoderLayer(8, 2, 16), num_layers=2)
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight


def test_generate_square_subsequent_mask():
    ours = ng.nn.Transformer.generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == ng.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_dropout_changes_training_output_only():
    layer = ng.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    x = ng.randn(3, 2, 8)
    layer.eval()
    a = layer(x).detach().numpy()
    assert np.array_equal(a, layer(x).detach().numpy())
    layer.train()
    assert not np.allclose(a, layer(x).detach().numpy())


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.TransformerEncoderLayer(8, 2, activation="tanh"),
    lambda lib: lib.nn.TransformerEncoderLayer(6, 4),
    lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(lib.ones(3, 2, 8), lib.ones(3, 3, 8)),
    lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(lib.ones(3, 2, 8), lib.ones(3, 2, 6)),
], ids=["activation", "heads", "batch", "features"])
def test_errors_as_torch(call):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(type(expected.value)) as got:
        call(ng)
    assert str(got.value) == str(expected.value)
