"""Random draws inside a compiled step draw the numbers eager mode would draw at that call: the
generator's stream advances identically, so after the same ``manual_seed`` N compiled steps give
the masks, losses and weights of N eager steps, bit for bit, and the draws after them agree too.
What a replay cannot repeat falls back with one warning naming why."""
import warnings

import numpy as np
import pytest

import numbagrad as torch
import numbagrad.nn.functional as F
from numbagrad import nn
from numbagrad.random import draw, kernels, mt19937


def _batches(n, shape=(6, 8), out=1):
    rng = np.random.default_rng(7)
    return [(torch.from_numpy(rng.standard_normal(shape).astype(np.float32)),
             torch.from_numpy(rng.standard_normal((shape[0], out)).astype(np.float32)))
            for _ in range(n)]


def _train(model, opt, forward):
    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(forward(model, x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def _run(build, compiled, calls=20, between=None, seed=1, batches=None, strict=True):
    """Losses of ``calls`` steps, the weights after them and the default generator's next
    draws; ``between(i)`` runs before call ``i`` (a reseed). The compiled run must compile
    (``strict``), or else fall back for a reason other than a random draw."""
    model, step = build()
    if compiled:
        step = torch.compile(step)
    torch.manual_seed(seed)
    losses = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i, (x, y) in enumerate(batches or _batches(calls)):
            if between is not None:
                between(i)
            losses.append(step(x, y).item())
    texts = [str(w.message) for w in caught if "numbagrad.compile" in str(w.message)]
    assert not (strict and texts) and not any("random" in t or "enerator" in t for t in texts)
    if compiled and strict:
        states = [e.state for e in step.cache.entries.values()]
        assert states == ["compiled"] and step.cache.captures == 1, states
    weights = [p.detach().numpy().copy() for p in model.parameters()]
    return losses, weights, torch.rand(5).tolist()


def _assert_same(build, **kwargs):
    eager, compiled = _run(build, False, **kwargs), _run(build, True, **kwargs)
    assert compiled[0] == eager[0]
    for a, b in zip(eager[1], compiled[1]):
        np.testing.assert_array_equal(a, b)
    assert compiled[2] == eager[2]  # the stream is left where eager mode leaves it
    return eager


def _dropout_mlp():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 16),
                          nn.Tanh(), nn.Dropout(0.5), nn.Linear(16, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    return model, _train(model, opt, lambda m, x: m(x))


def test_dropout_mlp_twenty_steps_equal_eager_bit_for_bit():
    losses = _assert_same(_dropout_mlp)[0]
    assert len(set(losses)) == len(losses)  # masks differ between steps


def test_reseeding_between_calls_restarts_the_replayed_stream():
    state = {}

    def between(i):
        if i == 3:
            state["saved"] = torch.get_rng_state()
        if i in (5, 11):
            torch.manual_seed(123)  # the same masks as call 5 at call 11
        if i == 8:
            torch.set_rng_state(state["saved"])

    _assert_same(_dropout_mlp, calls=14, between=between)
    # The compiled run follows a reseed from the OS too: its next draws are that seed's.
    model, step = _dropout_mlp()
    step = torch.compile(step)
    batches = _batches(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x, y in batches[:3]:
            step(x, y)
        seed = torch.seed()
        step(*batches[3])
    after = torch.rand(4).tolist()
    torch.manual_seed(seed)
    draw.bernoulli_select(draw.resolve(None), (6, 32), np.float32, 0.7, (0, 1))
    draw.bernoulli_select(draw.resolve(None), (6, 16), np.float32, 0.5, (0, 1))
    assert torch.rand(4).tolist() == after


def _functional_drops(model, x):
    h = model[0](x)
    h = F.dropout(h, 0.25, training=True)
    h = F.dropout(h.t(), 0.1, training=True).t()  # drawn in the transpose's memory order
    h = F.rrelu(h, 0.1, 0.4, training=True)
    h = F.alpha_dropout(h, 0.2, training=True)
    h = F.dropout1d(h.reshape(6, 4, 8), 0.3, training=True).reshape(6, 32)
    h = F.feature_alpha_dropout(h.reshape(6, 8, 4), 0.3, training=True).reshape(6, 32)
    return model[1](h)


def test_functional_dropouts_and_rrelu_equal_eager():
    def build():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 32), nn.Linear(32, 1))
        return model, _train(model, torch.optim.SGD(model.parameters(), lr=0.05),
                             _functional_drops)

    _assert_same(build, calls=8)


def _noisy(model, x):
    noise = torch.randn(x.shape) * 0.1 + torch.rand(x.shape) * 0.05
    # Under 16 values: one by one, an odd count leaving the cached second value to the next.
    noise = noise + torch.randn(8) * 0.01 + torch.randn(3).sum() * 0.01
    gate = torch.bernoulli(torch.sigmoid(model[0](x + noise)))
    keep = torch.bernoulli(torch.full((6, 16), 0.5), p=0.8)
    keep = keep * torch.randint(1, 4, (6, 1), dtype=torch.float32)
    keep = keep * torch.empty(6, 16).uniform_(0.5, 1.5) + torch.empty(16, 6).normal_().t()
    keep = keep * torch.empty(6, 16).bernoulli_(0.9) * torch.empty(6, 16).exponential_()
    keep = keep + torch.empty(6, 16, dtype=torch.float64).cauchy_().float() * 1e-3
    return model[1](model[0](x + noise) * gate * keep)


def test_rand_randn_randint_bernoulli_and_in_place_fills_inside_the_step_equal_eager():
    def build():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 16), nn.Linear(16, 1))
        return model, _train(model, torch.optim.SGD(model.parameters(), lr=0.05), _noisy)

    _assert_same(build, calls=8)


def test_a_generator_argument_is_replayed_on_its_own_stream():
    def build():
        torch.manual_seed(0)
        model = nn.Linear(8, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.05)

        def step(x, y, g):
            opt.zero_grad()
            drop = torch.rand(x.shape, generator=g) < 0.7
            loss = F.mse_loss(model(x * drop), y)
            loss.backward()
            opt.step()
            return loss

        return model, step

    results = []
    for compiled in (False, True):
        model, step = build()
        if compiled:
            step = torch.compile(step)
        g = torch.Generator().manual_seed(5)
        torch.manual_seed(9)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            losses = [step(x, y, g).item() for x, y in _batches(6)]
        g.manual_seed(5)  # reseeded between calls, as the default generator above
        losses += [step(x, y, g).item() for x, y in _batches(3)]
        results.append((losses, torch.rand(2, generator=g).tolist(), torch.rand(2).tolist()))
    assert results[0] == results[1]


def test_rrelu_kernel_is_the_numpy_formula_on_strided_input():
    x = np.random.default_rng(0).standard_normal((7, 9))[:, ::2]
    state, reference = mt19937.seeded_state(4), mt19937.seeded_state(4)
    out = np.empty(x.shape)
    kernels.rrelu_slopes(state, x, out, 0.125, 0.375)
    negative = x.reshape(-1) <= 0
    bits = np.empty(int(negative.sum()), dtype=np.uint64)
    mt19937.fill_random64(reference, bits)
    unit = (bits & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
    expected = np.ones(x.size)
    expected[negative] = unit * 0.25 + 0.125  # two roundings, never a fused multiply-add
    np.testing.assert_array_equal(out.reshape(-1), expected)
    np.testing.assert_array_equal(state, reference)


def _fallback(step_fn, match):
    torch.manual_seed(0)
    model = nn.Linear(8, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    step = torch.compile(lambda x, y: step_fn(model, opt, x, y))
    eager_model = nn.Linear(8, 1)
    eager_model.load_state_dict(model.state_dict())
    eager_opt = torch.optim.SGD(eager_model.parameters(), lr=0.05)
    torch.manual_seed(3)
    expected = [step_fn(eager_model, eager_opt, x, y).item() for x, y in _batches(4)]
    torch.manual_seed(3)
    with pytest.warns(UserWarning, match=match):
        got = [step(x, y).item() for x, y in _batches(4)]
    assert got == expected


def _reseeding(model, opt, x, y):
    torch.manual_seed(0)  # every eager call restarts the stream
    return _train(model, opt, lambda m, x: m(F.dropout(x, 0.5)))(x, y)


def _inner_generator(model, opt, x, y):
    g = torch.Generator().manual_seed(1)
    return _train(model, opt, lambda m, x: m(x * torch.rand(x.shape, generator=g)))(x, y)


def _finished_in_numpy(model, opt, x, y):
    return _train(model, opt, lambda m, x: m(x * torch.empty(x.shape).log_normal_()))(x, y)


def _float16_noise(model, opt, x, y):
    noise = torch.rand(x.shape, dtype=torch.float16).float()
    return _train(model, opt, lambda m, x: m(x + noise))(x, y)


@pytest.mark.parametrize("fn,match", [
    (_reseeding, "reseeded inside the step"),
    (_inner_generator, "Generator created inside the step"),
    (_finished_in_numpy, "finishes its values in NumPy"),
    (_float16_noise, "float16"),
])
def test_what_a_replay_cannot_repeat_falls_back_with_its_reason(fn, match):
    _fallback(fn, match)


def test_eval_mode_between_calls_matches_eager():
    def between(i):
        if i in (3, 6):
            model.eval() if i == 3 else model.train()

    results = []
    for compiled in (False, True):
        model, step = _dropout_mlp()
        if compiled:
            step = torch.compile(step)
        torch.manual_seed(2)
        losses = []
        for i, (x, y) in enumerate(_batches(9)):
            between(i)
            losses.append(step(x, y).item())
        results.append((losses, torch.rand(3).tolist()))
    assert results[0] == results[1]


def test_attention_dropout_inside_the_step_equals_eager():
    def attend(model, x):
        q = model[0](x).reshape(2, 3, 16)
        h = F.scaled_dot_product_attention(q, q, q, dropout_p=0.3)
        return model[1](h.reshape(6, 16))

    def build():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 16), nn.Linear(16, 1))
        return model, _train(model, torch.optim.SGD(model.parameters(), lr=0.05), attend)

    # The attention op's backward still multiplies by the mask in NumPy: it may fall back
    # for that, never for the draw, and matches eager mode either way.
    _assert_same(build, calls=6, strict=False)
