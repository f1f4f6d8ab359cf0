"""The engine: seeding, tempering and the bulk path across regenerations of the twister."""
import numpy as np
import pytest

from numbagrad.random import draw, mt19937
from numbagrad.random.generator import Generator

torch = pytest.importorskip("torch")


def test_first_words_of_the_reference_seed():
    """mt19937 seeded with 5489 starts 3499211612, 581869302 (the C++ standard's engine)."""
    words = np.empty(2, dtype=np.uint32)
    mt19937.fill_words(mt19937.seeded_state(5489), words)
    assert words.tolist() == [3499211612, 581869302]


def test_seed_keeps_only_the_low_32_bits_for_the_engine():
    a, b = mt19937.seeded_state(7), mt19937.seeded_state(7 + 2 ** 32)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("sizes", [[1, 622, 1, 1, 700], [624, 624, 1], [2000, 3, 1300]])
def test_bulk_draws_leave_torch_state(sizes):
    """Runs that end just before, at and after a regeneration leave the state bytes (words,
    ``left``, ``next``) that torch's one-word-at-a-time engine leaves."""
    ours, theirs = Generator().manual_seed(42), torch.Generator().manual_seed(42)
    for n in sizes:
        assert np.array_equal(draw.uniform(ours, (n,), np.float32),
                              torch.rand(n, generator=theirs).numpy())
        assert np.array_equal(ours.get_state().numpy(), theirs.get_state().numpy())
