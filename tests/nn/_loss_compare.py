"""Helpers shared by the loss tests: run one loss in numbagrad and in torch on the same
arrays, and compare values and the gradients of every floating input."""
import numpy as np

TOLERANCES = {np.float32: (1e-5, 1e-6), np.float64: (1e-10, 1e-12)}


def compare(ng, torch, name, arrays, dtype=np.float64, grads=None, module=None, **kwargs):
    """``F.name(*arrays, **kwargs)`` (or ``module(*arrays)``, a pair (ours, theirs)) in both
    libraries: same shape and values, and after backward with the same gradient, the same
    gradients of the inputs marked in ``grads`` (default: the floating ones)."""
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    if grads is None:
        grads = [a.dtype.kind == "f" for a in arrays]
    ours_in = [ng.tensor(a).requires_grad_(g) for a, g in zip(arrays, grads)]
    theirs_in = [torch.tensor(a).requires_grad_(g) for a, g in zip(arrays, grads)]
    convert = {k: v for k, v in kwargs.items() if isinstance(v, np.ndarray)}
    ours_kw = dict(kwargs, **{k: ng.tensor(v.astype(dtype)) for k, v in convert.items()})
    theirs_kw = dict(kwargs, **{k: torch.tensor(v.astype(dtype)) for k, v in convert.items()})
    if module is not None:
        ours, theirs = module[0](*ours_in), module[1](*theirs_in)
    else:
        ours = getattr(ng.nn.functional, name)(*ours_in, **ours_kw)
        theirs = getattr(torch.nn.functional, name)(*theirs_in, **theirs_kw)
    rtol, atol = TOLERANCES[dtype]
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=atol, equal_nan=True)
    if not theirs.requires_grad:
        return ours, theirs
    g = np.random.default_rng(0).uniform(0.5, 1.5, tuple(theirs.shape)).astype(dtype)
    ours.backward(ng.tensor(g))
    theirs.backward(torch.tensor(g))
    for a, b, wanted in zip(ours_in, theirs_in, grads):
        if wanted:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol,
                                       equal_nan=True)
    return ours, theirs


def raises_like(ng, torch, call):
    """``call(lib)`` raises the same exception class with the same message in both."""
    try:
        call(torch)
    except Exception as e:  # noqa: BLE001 - the reference
        expected = e
    else:
        raise AssertionError("torch raised nothing")
    try:
        call(ng)
    except Exception as e:  # noqa: BLE001
        assert type(e) is type(expected), (e, expected)
        # Shapes print as numbagrad.Size where torch prints torch.Size.
        assert str(e).replace("numbagrad.Size", "torch.Size") == str(expected), (e, expected)
    else:
        raise AssertionError(f"numbagrad raised nothing; torch raised {expected!r}")
