"""Dropout: training-only masking scaled by 1 / (1 - p), seeded, with torch's errors and repr."""
import numpy as np
import pytest

import numbagrad as ng

F = ng.nn.functional


def test_dropout_zeroes_and_scales_in_training():
    ng.manual_seed(0)
    x = ng.ones(20000, dtype=ng.float64)
    out = F.dropout(x, p=0.25)
    values = out.numpy()
    assert set(np.unique(values)) <= {0.0, 1.0 / 0.75}
    # About a quarter dropped: 20000 Bernoulli draws put the fraction within 0.02 of 0.25.
    assert abs(np.mean(values == 0.0) - 0.25) < 0.02
    assert abs(values.mean() - 1.0) < 0.03


def test_dropout_gradient_is_the_mask():
    ng.manual_seed(1)
    x = ng.randn(50, 4, requires_grad=True)
    out = F.dropout(x, p=0.5)
    out.sum().backward()
    kept = out.detach().numpy() != 0.0
    np.testing.assert_array_equal(x.grad.numpy(), np.where(kept, 2.0, 0.0).astype(np.float32))


def test_dropout_is_seeded():
    x = ng.ones(100)
    ng.manual_seed(7)
    a = F.dropout(x).numpy()
    ng.manual_seed(7)
    b = F.dropout(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x).numpy())


def test_dropout_off_in_evaluation_and_for_p_zero():
    x = ng.randn(3, 4)
    assert F.dropout(x, 0.3, training=False) is x
    assert F.dropout(x, 0.0) is x
    layer = ng.nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    layer.train()
    ng.manual_seed(0)
    assert (layer(ng.ones(1000)).numpy() == 0.0).any()


def test_dropout_p_one_gives_zeros_and_zero_gradient():
    x = ng.randn(5, requires_grad=True)
    out = F.dropout(x, 1.0)
    assert out.tolist() == [0.0] * 5
    out.sum().backward()
    assert x.grad.tolist() == [0.0] * 5


def test_dropout_inplace_writes_into_input():
    ng.manual_seed(3)
    x = ng.ones(1000)
    out = F.dropout(x, 0.5, inplace=True)
    assert out is x
    assert set(np.unique(x.numpy())) == {0.0, 2.0}


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_out_of_range_raises(p):
    words = f"dropout probability has to be between 0 and 1, but got {p}"
    with pytest.raises(ValueError, match=words):
        F.dropout(ng.ones(3), p)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        ng.nn.Dropout(p)


def test_dropout_keeps_dtype_and_shape():
    x = ng.ones(2, 3, 4, dtype=ng.float64)
    out = F.dropout(x, 0.1)
    assert out.dtype is ng.float64 and tuple(out.shape) == (2, 3, 4)


def test_dropout_repr_matches_torch():
    assert repr(ng.nn.Dropout()) == "Dropout(p=0.5, inplace=False)"
    assert repr(ng.nn.Dropout(0.2, inplace=True)) == "Dropout(p=0.2, inplace=True)"
    torch = pytest.importorskip("torch")
    assert repr(ng.nn.Dropout(0.3)) == repr(torch.nn.Dropout(0.3))


def test_dropout_in_sequential_follows_train_and_eval():
    model = ng.nn.Sequential(ng.nn.Linear(4, 4), ng.nn.Dropout(0.9))
    x = ng.ones(8, 4)
    model.eval()
    a, b = model(x), model(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    model.train()
    ng.manual_seed(0)
    assert (model(x).detach().numpy() == 0.0).mean() > 0.5
