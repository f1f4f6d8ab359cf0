"""The padding layers (``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad``,
``CircularPad``, 1-D to 3-D) against torch: values, gradients, reprs, and torch's errors."""
import numpy as np
import pytest

import numbagrad as ng

# (class name, constructor arguments, input shape)
CASES = [(f"{kind}Pad{n}d", args, shape)
         for kind in ("Zero", "Reflection", "Replication", "Circular")
         for n, args, shape in ((1, (2,), (2, 3, 5)), (1, ((1, 3),), (3, 4)),
                                (2, (1,), (2, 2, 3, 4)), (2, ((1, 0, 2, 1),), (2, 3, 4)),
                                (3, (1,), (1, 2, 3, 3, 4)), (3, ((0, 1, 2, 1, 1, 0),),
                                                              (2, 3, 3, 4)))]
CASES += [(f"ConstantPad{n}d", args, shape)
          for n, args, shape in ((1, (2, 1.5), (2, 3, 5)), (2, ((1, 0, 2, 1), -2.0), (2, 3, 4)),
                                 (3, (1, 0.5), (1, 2, 3, 3, 4)))]
CASES += [("ZeroPad2d", ((-1, 2, 0, -1),), (1, 2, 4, 4)),
          ("ConstantPad1d", ((2, -1), 3), (1, 2, 4))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args,shape", CASES, ids=str)
def test_padding_modules_match_torch(name, args, shape, dtype):
    torch = pytest.importorskip("torch")
    mod, tmod = getattr(ng.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(mod) == repr(tmod)
    assert mod.padding == tmod.padding
    tx = torch.randn(shape, dtype=getattr(torch, dtype),
                     generator=torch.Generator().manual_seed(0), requires_grad=True)
    x = ng.from_numpy(tx.detach().numpy().copy()).requires_grad_(True)
    tout, out = tmod(tx), mod(x)
    assert out.dtype == getattr(ng, dtype)
    np.testing.assert_array_equal(np.asarray(out.detach()), tout.detach().numpy())
    g = torch.randn(tout.shape, dtype=getattr(torch, dtype))
    tout.backward(g)
    out.backward(ng.from_numpy(g.numpy().copy()))
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_reprs_as_torch():
    assert repr(ng.nn.ZeroPad2d((1, 2, 3, 4))) == "ZeroPad2d((1, 2, 3, 4))"
    assert repr(ng.nn.ConstantPad3d(1, 2.0)) == (
        "ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=2.0)")
    assert repr(ng.nn.ReflectionPad1d(1)) == "ReflectionPad1d((1, 1))"
    assert repr(ng.nn.CircularPad2d(1)) == "CircularPad2d((1, 1, 1, 1))"


def test_integer_constant_padding_keeps_dtype():
    out = ng.nn.ConstantPad1d(1, 7)(ng.tensor([[1, 2]]))
    assert out.dtype == ng.int64
    assert out.tolist() == [[7, 1, 2, 7]]


def test_reflection_pad_too_large_raises_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as err:
        ng.nn.ReflectionPad1d(3)(ng.zeros(1, 2, 3))
    with pytest.raises(RuntimeError) as terr:
        torch.nn.ReflectionPad1d(3)(torch.zeros(1, 2, 3))
    assert str(err.value) == str(terr.value)
