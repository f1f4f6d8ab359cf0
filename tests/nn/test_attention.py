"""``F.scaled_dot_product_attention`` and ``nn.MultiheadAttention`` against torch: values, input
and parameter gradients (float32 and float64), masks, dropout, and torch's errors."""
import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")

TOLERANCES = {np.float32: (1e-5, 1e-6), np.float64: (1e-10, 1e-12)}


def raises_like(ng, torch, call):
    """``call(lib)`` raises the same exception class with the same message in both."""
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(type(expected.value)) as got:
        call(ng)
    assert type(got.value) is type(expected.value)
    assert str(got.value).replace("numbagrad.Size", "torch.Size") == str(expected.value)

SDPA_CASES = {
    "plain": dict(shapes=((2, 3, 4), (2, 5, 4), (2, 5, 6))),
    "causal": dict(shapes=((2, 3, 4), (2, 5, 4), (2, 5, 6)), is_causal=True),
    "causal_long_query": dict(shapes=((5, 4), (3, 4), (3, 2)), is_causal=True),
    "bool_mask": dict(shapes=((2, 3, 4), (2, 5, 4), (2, 5, 6)), mask="bool"),
    "float_mask": dict(shapes=((2, 3, 4), (2, 5, 4), (2, 5, 6)), mask="float"),
    "broadcast_batch": dict(shapes=((2, 2, 3, 4), (2, 5, 4), (2, 5, 4)), scale=0.3),
    "gqa": dict(shapes=((1, 4, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)), enable_gqa=True),
}


def _sdpa_pair(lib, arrays, mask, kw):
    tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
    m = None
    if mask is not None:
        m = lib.tensor(mask, requires_grad=mask.dtype != bool)
    out = lib.nn.functional.scaled_dot_product_attention(*tensors, attn_mask=m, **kw)
    return out, tensors, m


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(SDPA_CASES))
def test_sdpa_matches_torch(case, dtype):
    kw = dict(SDPA_CASES[case])
    shapes = kw.pop("shapes")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    L, S = shapes[0][-2], shapes[1][-2]
    mask = kw.pop("mask", None)
    if mask == "bool":
        mask = rng.random((L, S)) > 0.4
        mask[0] = False  # a query row with no key: zeros in torch, not nan
    elif mask == "float":
        mask = rng.standard_normal((1, L, S)).astype(dtype)
    ours, ours_in, ours_m = _sdpa_pair(ng, arrays, mask, kw)
    theirs, theirs_in, theirs_m = _sdpa_pair(torch, arrays, mask, kw)
    rtol, atol = TOLERANCES[dtype]
    atol = max(atol, 1e-6) if dtype == np.float32 else atol
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=atol)
    g = rng.standard_normal(tuple(theirs.shape)).astype(dtype)
    ours.backward(ng.tensor(g))
    theirs.backward(torch.tensor(g))
    pairs = list(zip(ours_in, theirs_in))
    if mask is not None and mask.dtype != bool:
        pairs.append((ours_m, theirs_m))
    for a, b in pairs:
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)


def test_sdpa_fully_masked_row_is_zero_with_zero_gradient():
    q = ng.randn(1, 2, 4, requires_grad=True)
    k = ng.randn(1, 3, 4, requires_grad=True)
    v = ng.randn(1, 3, 4, requires_grad=True)
    mask = ng.tensor([[False, False, False], [True, True, False]])
    out = ng.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert out[0, 0].tolist() == [0.0] * 4
    out.sum().backward()
    assert q.grad[0, 0].tolist() == [0.0] * 4


def test_sdpa_large_scores_stay_finite():
    q = ng.full((1, 2, 2), 100.0)
    k = ng.full((1, 3, 2), 100.0)
    v = ng.arange(6.0).reshape(1, 3, 2)
    out = ng.nn.functional.scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(out.numpy(), np.full((1, 2, 2), [2.0, 3.0]), rtol=1e-6)


def test_sdpa_dropout_draws_from_the_generator():
    q, k, v = (ng.randn(2, 4, 3) for _ in range(3))
    ng.manual_seed(3)
    a = ng.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    ng.manual_seed(3)
    b = ng.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    plain = ng.nn.functional.scaled_dot_product_attention(q, k, v)
    assert np.array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), plain.numpy())
    # p = 1 drops every probability.
    zero = ng.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    assert not zero.numpy().any()


def test_sdpa_dropout_gradient_uses_the_same_mask():
    """With the probabilities dropped, the output is linear in ``v`` with the dropped weights;
    the vjp must use the very mask the forward used."""
    q, k = ng.randn(1, 3, 2), ng.randn(1, 4, 2)
    v = ng.randn(1, 4, 5, requires_grad=True)
    ng.manual_seed(1)
    out = ng.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    out.sum().backward()
    # Recover the dropped weights from the output of v = identity rows.
    ng.manual_seed(1)
    eye = ng.eye(4).reshape(1, 4, 4)
    w = ng.nn.functional.scaled_dot_product_attention(q, k, eye, dropout_p=0.5)
    np.testing.assert_allclose(v.grad.numpy()[0], np.repeat(w.numpy()[0].sum(0)[:, None], 5, 1),
                               rtol=1e-5)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3), lib.ones(4, 3), lib.ones(4, 3), attn_mask=lib.ones(2, 4).bool(),
        is_causal=True),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3), lib.ones(4, 3), lib.ones(4, 3), attn_mask=lib.ones(2, 4).long()),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3).double(), lib.ones(4, 3).double(), lib.ones(4, 3).double(),
        attn_mask=lib.ones(2, 4).half()),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3, 4), lib.ones(2, 5, 4), lib.ones(2, 5, 4), attn_mask=lib.ones(4, 5)),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3).double(), lib.ones(4, 3), lib.ones(4, 3)),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(3), lib.ones(3), lib.ones(3)),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3), lib.ones(4, 3), lib.ones(4, 3), dropout_p=1.5),
], ids=["mask_and_causal", "long_mask", "half_mask", "mask_shape", "dtypes", "rank",
        "dropout_p"])
def test_sdpa_errors_as_torch(call):
    raises_like(ng, torch, call)


def test_sdpa_gqa_heads_must_divide():
    with pytest.raises(RuntimeError, match="Number of heads in key and value must divide"):
        ng.nn.functional.scaled_dot_product_attention(
            ng.ones(1, 4, 2, 3), ng.ones(1, 3, 2, 3), ng.ones(1, 3, 2, 3), enable_gqa=True)


# ------------------------------------------------------------------------ MultiheadAttention


def _mha_pair(dtype, **kw):
    theirs = torch.nn.MultiheadAttention(**kw).to(getattr(torch, np.dtype(dtype).name))
    ours = ng.nn.MultiheadAttention(**kw).to(getattr(ng, np.dtype(dtype).name))
    ours.load_state_dict({k: ng.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    return ours, theirs


MHA_CASES = {
    "plain": (dict(embed_dim=8, num_heads=2), {}),
    "no_weights": (dict(embed_dim=8, num_heads=2), dict(need_weights=False)),
    "per_head_weights": (dict(embed_dim=8, num_heads=2), dict(average_attn_weights=False)),
    "batch_first": (dict(embed_dim=8, num_heads=4, batch_first=True), {}),
    "kdim_vdim": (dict(embed_dim=8, num_heads=2, kdim=3, vdim=5), dict(need_weights=False)),
    "bias_kv_zero_attn": (dict(embed_dim=8, num_heads=2, add_bias_kv=True, add_zero_attn=True,
                               bias=False), {}),
    "padding_mask": (dict(embed_dim=8, num_heads=2), dict(key_padding_mask=True,
                                                          need_weights=False)),
    "causal": (dict(embed_dim=8, num_heads=2), dict(attn_mask="causal", is_causal=True,
                                                    need_weights=False)),
    "mask_3d": (dict(embed_dim=8, num_heads=2), dict(attn_mask="3d")),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(MHA_CASES))
def test_mha_matches_torch(case, dtype):
    ctor, call = MHA_CASES[case]
    call = dict(call)
    ours, theirs = _mha_pair(dtype, **ctor)
    L, S, N, E = 3, 4, 2, ctor["embed_dim"]
    kdim, vdim = ctor.get("kdim", E), ctor.get("vdim", E)
    rng = np.random.default_rng(1)
    first = ctor.get("batch_first", False)
    shape = (lambda t, f: (N, t, f)) if first else (lambda t, f: (t, N, f))
    arrays = [rng.standard_normal(shape(L, E)), rng.standard_normal(shape(S, kdim)),
              rng.standard_normal(shape(S, vdim))]
    arrays = [a.astype(dtype) for a in arrays]
    masks = {}
    if call.pop("key_padding_mask", False):
        kpm = np.zeros((N, S), bool)
        kpm[0, -1] = kpm[1, 0] = True
        masks["key_padding_mask"] = kpm
    which = call.pop("attn_mask", None)
    if which == "causal":
        S = L
        arrays[1], arrays[2] = arrays[1][:L] if not first else arrays[1][:, :L], \
            arrays[2][:L] if not first else arrays[2][:, :L]
        masks["attn_mask"] = np.triu(np.full((L, L), -np.inf, dtype), 1)
    elif which == "3d":
        masks["attn_mask"] = rng.standard_normal((N * ctor["num_heads"], L, S)).astype(dtype)
    results = []
    for lib, mod in ((ng, ours), (torch, theirs)):
        ins = [lib.tensor(a, requires_grad=True) for a in arrays]
        kw = {k: lib.tensor(v) for k, v in masks.items()}
        out, w = mod(*ins, **kw, **call)
        g = np.random.default_rng(2).standard_normal(tuple(out.shape)).astype(dtype)
        loss = (out * lib.tensor(g)).sum()
        if w is not None:
            loss = loss + (w * w).sum()
        loss.backward()
        results.append((out, w, ins, dict(mod.named_parameters())))
    (o1, w1, i1, p1), (o2, w2, i2, p2) = results
    rtol, atol = (1e-4, 1e-5) if dtype == np.float32 else (1e-9, 1e-11)
    np.testing.assert_allclose(o1.detach().numpy(), o2.detach().numpy(), rtol=rtol, atol=atol)
    assert (w1 is None) == (w2 is None)
    if w1 is not None:
        np.testing.assert_allclose(w1.detach().numpy(), w2.detach().numpy(), rtol=rtol,
                                   atol=atol)
    for a, b in zip(i1, i2):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)
    assert sorted(p1) == sorted(p2)
    for name in p2:
        np.testing.assert_allclose(p1[name].grad.numpy(), p2[name].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=name)


def test_mha_unbatched_matches_torch():
    ours, theirs = _mha_pair(np.float64, embed_dim=4, num_heads=2)
    x = np.random.default_rng(0).standard_normal((3, 4))
    o1, w1 = ours(*(ng.tensor(x),) * 3)
    o2, w2 = theirs(*(torch.tensor(x),) * 3)
    np.testing.assert_allclose(o1.detach().numpy(), o2.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(w1.detach().numpy(), w2.detach().numpy(), rtol=1e-10)


def test_mha_parameters_init_and_repr_as_torch():
    for kw in (dict(embed_dim=8, num_heads=2), dict(embed_dim=8, num_heads=2, kdim=3, vdim=5,
                                                    add_bias_kv=True, bias=False)):
        ours, theirs = ng.nn.MultiheadAttention(**kw), torch.nn.MultiheadAttention(**kw)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for (n1, a), (n2, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
            assert tuple(a.shape) == tuple(b.shape), n1
        assert repr(ours) == repr(theirs)
    mha = ng.nn.MultiheadAttention(8, 2)
    assert not mha.in_proj_bias.detach().numpy().any()
    assert not mha.out_proj.bias.detach().numpy().any()
    bound = np.sqrt(6.0 / (8 + 24))  # xavier_uniform_ on the (24, 8) in_proj_weight
    w = mha.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.5 * bound


def test_mha_dropout_only_in_training():
    mha = ng.nn.MultiheadAttention(4, 2, dropout=0.5)
    x = ng.randn(3, 2, 4)
    mha.eval()
    a, _ = mha(x, x, x)
    b, _ = mha(x, x, x)
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    mha.train()
    c, _ = mha(x, x, x, need_weights=False)
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.MultiheadAttention(6, 4),
    lambda lib: lib.nn.MultiheadAttention(0, 4),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.ones(3, 2, 4), lib.ones(5, 2, 4),
                                                lib.ones(5, 2, 4), attn_mask=lib.ones(3, 4)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.ones(3, 2, 4), lib.ones(5, 2, 4),
                                                lib.ones(5, 2, 4),
                                                attn_mask=lib.ones(3, 3, 5)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.ones(3, 2, 4), lib.ones(5, 2, 4),
                                                lib.ones(5, 2, 4), attn_mask=lib.ones(3, 5).long()),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.ones(3, 2, 4), lib.ones(5, 4),
                                                lib.ones(5, 4)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.ones(3, 2, 4), lib.ones(3, 2, 4),
                                                lib.ones(3, 2, 4), is_causal=True),
], ids=["not_divisible", "zero_dim", "mask_2d_shape", "mask_3d_shape", "mask_dtype",
        "key_rank", "causal_without_mask"])
def test_mha_errors_as_torch(call):
    raises_like(ng, torch, call)


def test_functional_multi_head_attention_forward_matches_torch():
    ours, theirs = _mha_pair(np.float64, embed_dim=4, num_heads=2)
    x = np.random.default_rng(3).standard_normal((3, 2, 4))
    results = []
    for lib, mod in ((ng, ours), (torch, theirs)):
        t = lib.tensor(x)
        out, w = lib.nn.functional.multi_head_attention_forward(
            t, t, t, 4, 2, mod.in_proj_weight, mod.in_proj_bias, None, None, False, 0.0,
            mod.out_proj.weight, mod.out_proj.bias, training=False)
        results.append((out.detach().numpy(), w.detach().numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
