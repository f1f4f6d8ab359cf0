"""``multinomial``: frequencies, the without-replacement rule, shapes and torch's errors."""
import numpy as np
import pytest

import numbagrad as ng


def test_with_replacement_draws_each_category_at_its_weight():
    ng.manual_seed(0)
    draws = ng.multinomial(ng.tensor([1.0, 2.0, 7.0]), 20000, replacement=True)
    assert draws.dtype is ng.int64 and draws.shape == (20000,)
    np.testing.assert_allclose(np.bincount(draws.numpy(), minlength=3) / 20000,
                               [0.1, 0.2, 0.7], atol=0.015)


def test_without_replacement_takes_distinct_categories_zero_weights_last():
    ng.manual_seed(1)
    weights = ng.tensor([[1.0, 0.0, 3.0], [0.0, 2.0, 0.0]])
    for _ in range(20):
        rows = ng.multinomial(weights, 3).tolist()
        assert sorted(rows[0]) == [0, 1, 2] and rows[0][2] == 1
        assert rows[1][0] == 1
    assert weights.multinomial(2).shape == (2, 2)


def test_second_draw_without_replacement_follows_the_remaining_weights():
    """P(second = j) = sum_i p_i p_j / (1 - p_i): [0.244, 0.499, 0.257] for [0.1, 0.2, 0.7]."""
    ng.manual_seed(2)
    p = ng.tensor([0.1, 0.2, 0.7])
    second = np.bincount([ng.multinomial(p, 2)[1].item() for _ in range(4000)], minlength=3)
    np.testing.assert_allclose(second / 4000, [0.244, 0.499, 0.257], atol=0.03)


def test_generator_makes_draws_repeatable():
    g = ng.Generator().manual_seed(5)
    first = ng.multinomial(ng.ones(10), 5, generator=g)
    g.manual_seed(5)
    assert first.tolist() == ng.multinomial(ng.ones(10), 5, generator=g).tolist()


@pytest.mark.parametrize("args", [
    ((0.0, 0.0), 1, False), ((1.0, -1.0), 1, False), ((1.0, float("nan")), 1, False),
    ((1.0, 0.0), 3, False), ((1.0, 2.0), 0, True)])
def test_bad_weights_and_counts_raise_torch_errors(args):
    torch = pytest.importorskip("torch")
    weights, n, replacement = args
    with pytest.raises(RuntimeError) as theirs:
        torch.multinomial(torch.tensor(weights), n, replacement)
    with pytest.raises(RuntimeError) as ours:
        ng.multinomial(ng.tensor(weights), n, replacement)
    assert str(ours.value) == str(theirs.value)


def test_rank_and_dtype_errors():
    with pytest.raises(RuntimeError, match="prob_dist must be 1 or 2 dim"):
        ng.multinomial(ng.ones(2, 2, 2), 1)
    with pytest.raises(RuntimeError, match="only supports floating-point dtypes"):
        ng.multinomial(ng.tensor([1, 2]), 1)
    with pytest.raises(TypeError, match="must be Tensor, not list"):
        ng.multinomial([0.5, 0.5], 1)
