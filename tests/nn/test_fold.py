"""``nn.Fold``, ``nn.Unfold`` and ``nn.Unflatten`` against torch: values, gradients, reprs."""
import numpy as np
import pytest

import numbagrad as ng


def test_fold_and_unfold_modules_match_torch():
    torch = pytest.importorskip("torch")
    for name, args, shape in (("Unfold", ((2, 3), 1, 1, 2), (2, 3, 5, 6)),
                              ("Unfold", (2,), (3, 4, 4)),
                              ("Fold", ((4, 5), 2, 1, 0, 1), (2, 12, 12)),
                              ("Fold", (3, 2), (8, 4))):
        mod, tmod = getattr(ng.nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(mod) == repr(tmod)
        tx = torch.randn(shape, dtype=torch.float64, requires_grad=True)
        x = ng.from_numpy(tx.detach().numpy().copy()).requires_grad_(True)
        tout, out = tmod(tx), mod(x)
        np.testing.assert_allclose(np.asarray(out.detach()), tout.detach().numpy(), rtol=1e-12)
        g = torch.randn(tout.shape, dtype=torch.float64)
        tout.backward(g)
        out.backward(ng.from_numpy(g.numpy().copy()))
        np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-12)


def test_unflatten_matches_torch():
    torch = pytest.importorskip("torch")
    for dim, sizes in ((1, (2, 3)), (-1, [3, -1]), (0, (2, 1))):
        mod, tmod = ng.nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
        assert repr(mod) == repr(tmod)
        x = ng.arange(12.0).reshape(2, 6)
        assert tuple(mod(x).shape) == tuple(tmod(torch.arange(12.0).reshape(2, 6)).shape)
        np.testing.assert_array_equal(np.asarray(mod(x)),
                                      tmod(torch.arange(12.0).reshape(2, 6)).numpy())
    seq = ng.nn.Sequential(ng.nn.Flatten(), ng.nn.Unflatten(1, (3, 4)))
    assert tuple(seq(ng.zeros(2, 3, 4)).shape) == (2, 3, 4)


def test_unflatten_argument_errors():
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        ng.nn.Unflatten(1, 6)
    with pytest.raises(TypeError, match="expected `int`"):
        ng.nn.Unflatten("a", (2, 3))
