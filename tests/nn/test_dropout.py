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


# ---------------------------------------------------------------- channel-wise and alpha forms


@pytest.mark.parametrize("fn,shape", [(F.dropout1d, (40, 30, 5)), (F.dropout1d, (400, 5)),
                                      (F.dropout2d, (40, 30, 2, 3)),
                                      (F.dropout3d, (40, 30, 2, 2, 2)),
                                      (F.dropout3d, (400, 2, 2, 2))])
def test_feature_dropout_drops_whole_channels(fn, shape):
    ng.manual_seed(0)
    x = ng.ones(shape, dtype=ng.float64, requires_grad=True)
    out = fn(x, p=0.3)
    values = out.detach().numpy()
    batched = len(shape) in (3, 4, 5) and not (fn is F.dropout3d and len(shape) == 4)
    channels = values.reshape(values.shape[:2 if batched else 1] + (-1,))
    # Every channel is all zero or all 1 / 0.7, and about 30% are zero.
    assert np.all(channels.min(-1) == channels.max(-1))
    assert set(np.unique(values)) <= {0.0, 1 / 0.7}
    assert abs(np.mean(channels[..., 0] == 0.0) - 0.3) < 0.05
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)


def test_feature_dropout_modules_eval_repr_and_rank_rules():
    torch = pytest.importorskip("torch")
    shapes = {"Dropout1d": (2, 3, 4), "Dropout2d": (2, 3, 4, 5), "Dropout3d": (2, 3, 4, 5, 6),
              "AlphaDropout": (7,), "FeatureAlphaDropout": (2, 3, 4)}
    for name, shape in shapes.items():
        assert repr(getattr(ng.nn, name)(0.2, True)) == repr(getattr(torch.nn, name)(0.2, True))
        layer = getattr(ng.nn, name)(0.5).eval()
        x = ng.randn(*shape)
        assert layer(x) is x
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a "
                                           "4D input"):
        F.dropout1d(ng.ones(2, 2, 2, 2))
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        F.dropout2d(ng.ones(4, 3))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(ng.ones(4, 3, 2))
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        F.dropout3d(ng.ones(4, 3, 2))
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
        F.feature_alpha_dropout(ng.ones(3), 0.5, True)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        ng.nn.Dropout2d(1.5)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        F.dropout1d(ng.ones(2, 3, dtype=ng.int64))


def test_alpha_dropout_values_gradient_and_moments():
    ng.manual_seed(3)
    p = 0.2
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    x = ng.randn(200000, dtype=ng.float64, requires_grad=True)
    out = F.alpha_dropout(x, p, training=True)
    xv, ov = x.detach().numpy(), out.detach().numpy()
    kept = np.isclose(ov, xv * a + alpha * a * p)
    dropped = np.isclose(ov, alpha * a * (p - 1))
    assert np.all(kept | dropped)
    assert abs(dropped.mean() - p) < 0.01
    # Self-normalising: standard normal input keeps mean 0 and variance 1.
    assert abs(ov.mean()) < 0.02 and abs(ov.var() - 1) < 0.02
    out.sum().backward()
    grad = x.grad.numpy()
    assert np.all(np.isclose(grad[kept & ~dropped], a)) and np.all(grad[dropped & ~kept] == 0)
    assert F.alpha_dropout(x, p) is x  # off unless training, as torch's default
    assert F.alpha_dropout(ng.ones(3), 1.0, True).tolist() == [0.0, 0.0, 0.0]


def test_feature_alpha_dropout_is_per_channel():
    ng.manual_seed(4)
    out = F.feature_alpha_dropout(ng.ones(50, 20, 6, dtype=ng.float64), 0.5, True).numpy()
    assert np.all(out.min(-1) == out.max(-1))
    assert len(np.unique(out)) == 2
    layer = ng.nn.FeatureAlphaDropout(0.5)
    assert layer.training and len(np.unique(layer(ng.ones(8, 8, 3)).numpy())) == 2


@pytest.mark.skipif(not ng.cuda.is_available(), reason="no CUDA device (or simulator)")
def test_channel_and_alpha_dropout_on_cuda():
    x = ng.ones(6, 4, 3, dtype=ng.float64, device="cuda", requires_grad=True)
    out = F.dropout1d(x, 0.5)
    out.sum().backward()
    values = out.detach().cpu().numpy()
    assert out.device.type == "cuda" and np.all(values.min(-1) == values.max(-1))
    np.testing.assert_array_equal(x.grad.cpu().numpy(), values)
    alpha = F.feature_alpha_dropout(x, 0.5, True).detach().cpu().numpy()
    assert len(np.unique(alpha)) == 2
