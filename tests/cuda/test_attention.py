"""The GPU attention kernels against their CPU twins, and attention modules on a GPU.

Under the test launch shape (few threads, few blocks) the query rows and keys outnumber the
threads, so each kernel takes several grid-stride turns.
"""
import numpy as np
import pytest

import numbagrad as ng
from numbagrad.backends import cpu, cuda as gpu  # the backends export the functions
from numbagrad.backends.cuda import _array

# (N, L, S, E, Ev, causal, mask, drop)
CASES = [(3, 5, 4, 3, 2, False, False, False), (2, 6, 6, 2, 3, True, False, False),
         (2, 4, 5, 3, 3, False, True, True), (1, 3, 2, 1, 4, True, True, False)]


def _device(x: np.ndarray):
    return _array.reshape_contiguous(_array.to_device(x), x.shape)


def _check(got, expected, tol):
    got = _array.to_host(got)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernels_match_cpu(case, dtype):
    N, L, S, E, Ev, causal, with_mask, with_drop = case
    rng = np.random.default_rng(0)
    q, k = (rng.standard_normal((N, n, E)).astype(dtype) for n in (L, S))
    v = rng.standard_normal((N, S, Ev)).astype(dtype)
    mask = np.zeros((0, 0, 0), dtype)
    if with_mask:
        mask = np.where(rng.random((N, L, S)) > 0.3, rng.standard_normal((N, L, S)), -np.inf)
        mask[0, 0] = -np.inf  # a row with no key
        mask = mask.astype(dtype)
    drop = (rng.random((N, L, S)) > 0.5).astype(dtype) * 2 if with_drop else \
        np.zeros((0, 0, 0), dtype)
    tol = 1e-11 if dtype == np.float64 else 1e-5
    want = cpu.scaled_dot_product_attention(q, k, v, mask, drop, 0.7, causal)
    got = gpu.scaled_dot_product_attention(*map(_device, (q, k, v, mask, drop)), 0.7, causal)
    for a, e in zip(got, want):
        _check(a, e, tol)
    g = rng.standard_normal((N, L, Ev)).astype(dtype)
    p = want[1]
    want = cpu.scaled_dot_product_attention_vjp(g, q, k, v, p, drop, 0.7)
    got = gpu.scaled_dot_product_attention_vjp(*map(_device, (g, q, k, v, p, drop)), 0.7)
    for a, e in zip(got, want):
        _check(a, e, tol)


def test_multihead_attention_on_gpu_matches_cpu():
    ng.manual_seed(0)
    mha = ng.nn.MultiheadAttention(4, 2, kdim=3, vdim=3).double()
    x, kv = ng.randn(3, 2, 4).double(), ng.randn(5, 2, 3).double()
    kpm = ng.tensor([[False] * 4 + [True], [False] * 5])
    want, _ = mha(x, kv, kv, key_padding_mask=kpm, need_weights=False)
    want.sum().backward()
    grads = {n: p.grad.numpy().copy() for n, p in mha.named_parameters()}
    mha.zero_grad()
    mha.cuda()
    got, _ = mha(x.cuda(), kv.cuda(), kv.cuda(), key_padding_mask=kpm.cuda(),
                 need_weights=False)
    got.sum().backward()
    np.testing.assert_allclose(got.detach().cpu().numpy(), want.detach().numpy(), rtol=1e-10)
    for name, p in mha.named_parameters():
        np.testing.assert_allclose(p.grad.cpu().numpy(), grads[name], rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_sdpa_dropout_on_gpu_keeps_its_mask_for_backward():
    q, k = ng.randn(1, 3, 2).cuda(), ng.randn(1, 4, 2).cuda()
    v = ng.eye(4).reshape(1, 4, 4).cuda().requires_grad_(True)
    out = ng.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    out.sum().backward()
    # With v the identity, out holds the dropped weights; dv sums them over the queries.
    w = out.detach().cpu().numpy()[0]
    np.testing.assert_allclose(v.grad.cpu().numpy()[0], np.repeat(w.sum(0)[:, None], 4, 1),
                               rtol=1e-5, atol=1e-6)
