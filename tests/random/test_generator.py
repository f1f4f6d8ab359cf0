"""Generator objects and state bytes across numbagrad and torch."""
import numpy as np
import pytest

import numbagrad as ng
from numbagrad.random import draw

torch = pytest.importorskip("torch")


def to_torch(state):
    return torch.from_numpy(state.numpy().copy())


def to_ours(state):
    return ng.from_numpy(state.numpy().copy())


@pytest.mark.parametrize("seed", [0, 1, 12345, 2 ** 40 + 7, -1])
def test_fresh_state_bytes_equal_torch(seed):
    ours = ng.Generator().manual_seed(seed)
    theirs = torch.Generator().manual_seed(seed)
    assert ours.initial_seed() == theirs.initial_seed()
    state = ours.get_state()
    assert state.dtype is ng.uint8 and state.shape == (5056,)
    assert np.array_equal(state.numpy(), theirs.get_state().numpy())


def test_state_bytes_after_draws_include_the_cached_normal():
    ours, theirs = ng.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    draw.uniform(ours, (700,), np.float32)  # past one regeneration of the twister
    torch.rand(700, generator=theirs)
    draw.normal(ours, (1,), np.float64)  # leaves a cached second value
    torch.randn(1, dtype=torch.float64, generator=theirs)
    assert np.array_equal(ours.get_state().numpy(), theirs.get_state().numpy())


def test_states_cross_between_libraries():
    theirs = torch.Generator().manual_seed(11)
    torch.randn(5, dtype=torch.float64, generator=theirs)
    ours = ng.Generator().set_state(to_ours(theirs.get_state()))
    assert np.array_equal(draw.normal(ours, (9,), np.float64),
                          torch.randn(9, dtype=torch.float64, generator=theirs).numpy())
    back = torch.Generator()
    back.set_state(to_torch(ours.get_state()))
    assert np.array_equal(torch.rand(20, generator=back).numpy(),
                          draw.uniform(ours, (20,), np.float32))


def test_default_generator_state_round_trip():
    ng.manual_seed(5)
    state = ng.random.get_rng_state()
    first = ng.randn(20)
    ng.random.set_rng_state(state)
    assert np.array_equal(first.numpy(), ng.randn(20).numpy())
    torch.set_rng_state(to_torch(state))
    assert np.array_equal(first.numpy(), torch.randn(20).numpy())


def test_fork_rng_restores_the_default_stream():
    ng.manual_seed(2)
    with ng.random.fork_rng():
        ng.rand(10)
    torch.manual_seed(2)
    assert np.array_equal(ng.rand(4).numpy(), torch.rand(4).numpy())


def test_bad_states_raise_torch_errors():
    g = ng.Generator()
    with pytest.raises(RuntimeError, match="Expected a CPUGeneratorImplState of size 5056 but "
                                           "found the input RNG state size to be 5"):
        g.set_state(ng.zeros(5, dtype=ng.uint8))
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        g.set_state(ng.zeros(5056))
    with pytest.raises(TypeError, match="must be Tensor, not ndarray"):
        g.set_state(np.zeros(5056, dtype=np.uint8))
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        g.set_state(ng.zeros(5056, dtype=ng.uint8))


def test_bad_seeds_raise_torch_errors():
    with pytest.raises(RuntimeError, match="manual_seed expected a long, but got float"):
        ng.Generator().manual_seed(1.5)
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        ng.Generator().manual_seed(2 ** 64)


def test_seed_draws_a_fresh_seed():
    g = ng.Generator()
    s = g.seed()
    assert g.initial_seed() == s
    assert np.array_equal(draw.uniform(g, (3,), np.float64),
                          torch.rand(3, dtype=torch.float64,
                                     generator=torch.Generator().manual_seed(s)).numpy())
