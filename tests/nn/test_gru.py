"""nn.GRU beyond the shared torch comparisons of test_rnn.py: parameters, repr, errors."""
import numpy as np
import pytest

import numbagrad as ng
from numbagrad import nn


def test_parameter_names_shapes_and_init():
    gru = nn.GRU(5, 4, num_layers=2, bidirectional=True)
    shapes = {n: tuple(p.shape) for n, p in gru.named_parameters()}
    assert list(shapes)[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                "weight_ih_l0_reverse"]
    assert shapes["weight_ih_l0"] == (12, 5) and shapes["weight_hh_l1_reverse"] == (12, 4)
    assert shapes["weight_ih_l1"] == (12, 8) and shapes["bias_ih_l1"] == (12,)
    assert len(shapes) == 16
    bound = 1 / np.sqrt(4)
    for p in gru.parameters():
        values = np.asarray(p.detach())
        assert values.min() >= -bound and values.max() <= bound and values.std() > bound / 4


def test_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    kwargs = dict(num_layers=2, bias=False, bidirectional=True)
    ours = nn.GRU(3, 4, **kwargs)
    theirs = torch.nn.GRU(3, 4, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert all(tuple(v.shape) == tuple(theirs.state_dict()[k].shape)
               for k, v in ours.state_dict().items())


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    kwargs = dict(num_layers=3, bias=False, batch_first=True, dropout=0.25, bidirectional=True)
    assert repr(nn.GRU(7, 9, **kwargs)) == repr(torch.nn.GRU(7, 9, **kwargs))
    assert repr(nn.GRU(7, 9)) == "GRU(7, 9)"


def test_errors():
    gru = nn.GRU(3, 4)
    with pytest.raises(RuntimeError, match=r"^input.size\(-1\) must be equal to input_size. "
                                           r"Expected 3, got 4$"):
        gru(ng.randn(2, 3, 4))
    with pytest.raises(ValueError, match="^GRU: Expected input to be 2D or 3D, got 4D instead$"):
        gru(ng.randn(2, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"^Expected hidden size \(1, 3, 4\), got "
                                           r"\[1, 2, 4\]$"):
        gru(ng.randn(2, 3, 3), ng.randn(1, 2, 4))
    with pytest.raises(RuntimeError, match="^For batched 3-D input, hx should also be 3-D but "
                                           "got 2-D tensor$"):
        gru(ng.randn(2, 3, 3), ng.randn(2, 4))
    with pytest.raises(RuntimeError, match="^For unbatched 2-D input, hx should also be 2-D but "
                                           "got 3-D tensor$"):
        gru(ng.randn(2, 3), ng.randn(1, 2, 4))


def test_dropout_between_layers_only_in_training():
    ng.manual_seed(0)
    gru = nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = ng.randn(5, 2, 3)
    gru.eval()
    first, _ = gru(x)
    np.testing.assert_array_equal(np.asarray(first.detach()), np.asarray(gru(x)[0].detach()))
    gru.train()
    dropped, _ = gru(x)
    assert not np.allclose(np.asarray(dropped.detach()), np.asarray(first.detach()))
    one_layer = nn.GRU(3, 4).train()
    np.testing.assert_array_equal(np.asarray(one_layer(x)[0].detach()),
                                  np.asarray(one_layer.eval()(x)[0].detach()))
