"""``nn.Conv1d/2d/3d``, ``nn.ConvTranspose1d/2d/3d`` and their functional forms: torch parity
(values and gradients), init, repr, padding modes, ``output_size``, errors."""
import math

import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn.functional as F


def _ng(t, requires_grad=False):
    """A numbagrad tensor with the values of torch tensor ``t``."""
    return ng.from_numpy(t.detach().numpy().copy()).requires_grad_(requires_grad)


def _close(got, expected, rtol=1e-4, atol=1e-5):
    np.testing.assert_allclose(np.asarray(got), expected.detach().numpy(), rtol=rtol, atol=atol)


# (input shape, out_channels, kernel, stride, padding, dilation, groups, bias)
CASES = [
    ((64, 1, 28, 28), 8, 3, 1, 1, 1, 1, True),  # the tutorial's first layer
    ((2, 3, 9, 7), 4, (3, 2), (2, 1), (1, 2), 1, 1, True),
    ((2, 4, 8, 8), 6, 3, 1, 2, 2, 2, False),
    ((3, 2, 6, 5), 4, (2, 3), 1, "same", (2, 1), 2, True),
    ((1, 3, 5, 5), 2, 5, 1, "valid", 1, 1, True),
    ((2, 3, 7, 6), 3, 1, 2, 0, 1, 3, True),  # depthwise 1x1 with stride
    ((3, 6, 6), 4, 3, 1, 1, 1, 1, True),  # unbatched
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[0])))
def test_conv2d_matches_torch(case):
    torch = pytest.importorskip("torch")
    shape, out_ch, kernel, stride, padding, dilation, groups, bias = case
    gen = torch.Generator().manual_seed(0)
    in_ch = shape[-3]
    tconv = torch.nn.Conv2d(in_ch, out_ch, kernel, stride, padding, dilation, groups, bias)
    conv = ng.nn.Conv2d(in_ch, out_ch, kernel, stride, padding, dilation, groups, bias)
    with ng.no_grad():
        conv.weight.copy_(_ng(tconv.weight))
        if bias:
            conv.bias.copy_(_ng(tconv.bias))
    tx = torch.randn(shape, generator=gen, requires_grad=True)
    x = _ng(tx, requires_grad=True)
    tout, out = tconv(tx), conv(x)
    _close(out, tout)
    tg = torch.randn(tout.shape, generator=gen)
    tout.backward(tg)
    out.backward(_ng(tg))
    _close(x.grad, tx.grad)
    _close(conv.weight.grad, tconv.weight.grad)
    if bias:
        _close(conv.bias.grad, tconv.bias.grad)


def test_conv2d_gradient_of_bias_alone_matches_torch():
    torch = pytest.importorskip("torch")
    tx, tw = torch.randn(2, 3, 5, 5), torch.randn(4, 3, 3, 3)
    tb = torch.randn(4, requires_grad=True)
    b = _ng(tb, requires_grad=True)
    torch.nn.functional.conv2d(tx, tw, tb, padding=1).square().sum().backward()
    F.conv2d(_ng(tx), _ng(tw), b, padding=1).square().sum().backward()
    _close(b.grad, tb.grad)


def test_float64_and_empty_batch_match_torch():
    torch = pytest.importorskip("torch")
    tx, tw = torch.randn(2, 2, 6, 6, dtype=torch.float64), torch.randn(3, 2, 3, 3,
                                                                      dtype=torch.float64)
    out = F.conv2d(_ng(tx), _ng(tw), stride=2)
    assert out.dtype == ng.float64
    _close(out, torch.nn.functional.conv2d(tx, tw, stride=2), rtol=1e-12, atol=1e-12)
    empty = F.conv2d(ng.zeros(0, 2, 6, 6), ng.ones(3, 2, 3, 3))
    assert tuple(empty.shape) == (0, 3, 4, 4)


def test_unbatched_input_keeps_three_dimensions():
    conv = ng.nn.Conv2d(2, 3, 3, padding=1)
    x = ng.randn(2, 5, 4, requires_grad=True)
    out = conv(x)
    assert tuple(out.shape) == (3, 5, 4)
    batched = conv(x.unsqueeze(0))
    np.testing.assert_allclose(np.asarray(out.detach()), np.asarray(batched.detach())[0])
    out.sum().backward()
    assert tuple(x.grad.shape) == (2, 5, 4)


def test_init_matches_torch_bounds():
    conv = ng.nn.Conv2d(4, 6, (3, 2), groups=2)
    fan_in = 2 * 3 * 2
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_ with a = sqrt(5): sqrt(6 / 6) / sqrt(fan_in)
    w, b = np.asarray(conv.weight.detach()), np.asarray(conv.bias.detach())
    assert w.shape == (6, 2, 3, 2) and b.shape == (6,)
    assert np.all(np.abs(w) <= bound) and np.all(np.abs(b) <= bound)
    assert np.std(w) > bound / 4  # drawn, not constant
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    assert conv.weight.requires_grad


@pytest.mark.parametrize("args, kwargs, text", [
    ((1, 8, 3), {"padding": 1}, "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"),
    ((1, 8, 3), {}, "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1))"),
    ((2, 8, (3, 5)), {"stride": 2, "dilation": 2, "groups": 2, "bias": False},
     "Conv2d(2, 8, kernel_size=(3, 5), stride=(2, 2), dilation=(2, 2), groups=2, bias=False)"),
    ((2, 8, 3), {"padding": "same"}, "Conv2d(2, 8, kernel_size=(3, 3), stride=(1, 1), padding=same)"),
    ((2, 8, 3), {"padding": "valid"},
     "Conv2d(2, 8, kernel_size=(3, 3), stride=(1, 1), padding=valid)"),
])
def test_repr_as_torch(args, kwargs, text):
    assert repr(ng.nn.Conv2d(*args, **kwargs)) == text


def test_repr_inside_a_model():
    model = ng.nn.Sequential(ng.nn.Conv2d(1, 8, 3, padding=1), ng.nn.ReLU(), ng.nn.MaxPool2d(2))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
        "  (1): ReLU()\n"
        "  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
        ")"
    )


@pytest.mark.parametrize("x_shape, w_shape, kwargs, message", [
    ((64, 1, 28, 28), (8, 3, 3, 3), {},
     "Given groups=1, weight of size [8, 3, 3, 3], expected input[64, 1, 28, 28] to have 3 "
     "channels, but got 1 channels instead"),
    ((3, 5, 5), (8, 2, 3, 3), {},
     "Given groups=1, weight of size [8, 2, 3, 3], expected input[1, 3, 5, 5] to have 2 "
     "channels, but got 3 channels instead"),
    ((1, 3, 2, 2), (8, 3, 3, 3), {},
     "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size "
     "can't be greater than actual input size"),
    ((1, 3, 4, 4), (8, 3, 3, 3), {"dilation": 2},
     "Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). Kernel size "
     "can't be greater than actual input size"),
    ((1, 3, 5, 5), (8, 3, 3, 3), {"stride": 0}, "non-positive stride is not supported"),
    ((1, 3, 5, 5), (8, 3, 3, 3), {"padding": -1}, "negative padding is not supported"),
    ((1, 3, 5, 5), (8, 3, 3, 3), {"dilation": 0},
     "dilation should be greater than zero, but got [0, 0]"),
    ((1, 3, 5, 5), (3, 1, 3, 3), {"groups": 2},
     "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of "
     "size [[3, 1, 3, 3]] instead"),
    ((1, 3, 5, 5), (8, 3, 3, 3), {"stride": 2, "padding": "same"},
     "padding='same' is not supported for strided convolutions"),
    ((1, 3, 5, 5), (8, 3, 3, 3), {"padding": "foo"}, "Invalid padding string: 'foo'"),
    ((3, 5), (8, 3, 3, 3), {},
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 5]"),
    ((1, 3, 5, 5), (8, 3, 3, 3), {"stride": (1, 2, 3)},
     "expected stride to be a single integer value or a list of 2 values to match the "
     "convolution dimensions, but got stride=[1, 2, 3]"),
])
def test_conv2d_errors_as_torch(x_shape, w_shape, kwargs, message):
    with pytest.raises(RuntimeError) as err:
        F.conv2d(ng.zeros(*x_shape), ng.zeros(*w_shape), **kwargs)
    assert str(err.value) == message


def test_conv2d_bias_and_dtype_errors():
    x, w = ng.zeros(1, 3, 5, 5), ng.zeros(8, 3, 3, 3)
    with pytest.raises(RuntimeError, match=r"expected bias to be 1-dimensional with 8 elements, "
                                           r"but got bias of size \[7\] instead"):
        F.conv2d(x, w, ng.zeros(7))
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        F.conv2d(x.double(), w)
    with pytest.raises(RuntimeError,
                       match=r"Input type \(float\) and bias type \(double\) should be the same"):
        F.conv2d(x, w, ng.zeros(8, dtype=ng.float64))
    with pytest.raises(NotImplementedError, match="Long"):
        F.conv2d(x.long(), w.long())
    with pytest.raises(TypeError, match="argument 'weight'"):
        F.conv2d(x, np.zeros((8, 3, 3, 3)))


@pytest.mark.parametrize("kwargs, message", [
    ({"groups": 0}, "groups must be a positive integer"),
    ({"groups": 2}, "in_channels must be divisible by groups"),
    ({"padding": "foo"}, "Invalid padding string 'foo'"),
    ({"padding": "same", "stride": 2}, "padding='same' is not supported for strided convolutions"),
    ({"padding_mode": "foo"}, "padding_mode must be one of"),
])
def test_module_errors_as_torch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ng.nn.Conv2d(3, 6, 3, **kwargs)


def test_parallel_kernels_match_serial(monkeypatch):
    from numbagrad.backends.cpu import conv as kernels

    def run():
        x = ng.from_numpy(np.arange(5 * 4 * 7 * 6, dtype=np.float64).reshape(5, 4, 7, 6) / 100)
        w = ng.from_numpy(np.linspace(-1, 1, 6 * 2 * 3 * 2).reshape(6, 2, 3, 2))
        b = ng.from_numpy(np.linspace(0, 1, 6))
        for t in (x, w, b):
            t.requires_grad_(True)
        out = F.conv2d(x, w, b, (2, 1), 1, (1, 2), 2)
        out.square().sum().backward()
        return [np.asarray(a).copy() for a in (out.detach(), x.grad, w.grad, b.grad)]

    serial = run()
    monkeypatch.setattr(kernels, "PARALLEL_MIN_WORK", 1)
    for got, expected in zip(run(), serial):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


# ----------------------------------------------------------------------------- other dimensions


def _module_pair(torch, name, args, kwargs, dtype):
    """The same layer in torch and numbagrad, with torch's parameters copied over."""
    tmod = getattr(torch.nn, name)(*args, **kwargs).to(dtype)
    mod = getattr(ng.nn, name)(*args, **kwargs)
    if dtype == torch.float64:
        mod = mod.double()
    with ng.no_grad():
        for p, tp in zip(mod.parameters(), tmod.parameters()):
            p.copy_(_ng(tp))
    return tmod, mod


# (module, constructor args, kwargs, input shape)
ND_CASES = [
    ("Conv1d", (4, 6, 3), dict(stride=2, padding=1, dilation=2, groups=2), (2, 4, 9)),
    ("Conv1d", (3, 2, 4), dict(padding="same"), (3, 7)),
    ("Conv1d", (2, 4, 3), dict(padding=2, padding_mode="reflect", bias=False), (2, 2, 6)),
    ("Conv1d", (2, 2, 4), dict(padding="same", padding_mode="circular"), (2, 2, 5)),
    ("Conv1d", (2, 3, 2), dict(padding=3, stride=2, padding_mode="replicate"), (2, 4)),
    ("Conv2d", (2, 3, (3, 2)), dict(padding=(1, 2), padding_mode="replicate"), (2, 2, 5, 4)),
    ("Conv2d", (2, 4, 3), dict(padding=1, padding_mode="circular", groups=2), (2, 4, 4)),
    ("Conv2d", (2, 3, (2, 3)), dict(padding="same", padding_mode="reflect"), (1, 2, 5, 6)),
    ("Conv3d", (4, 6, (3, 2, 3)), dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(2, 1, 1),
                                       groups=2), (2, 4, 7, 6, 5)),
    ("Conv3d", (3, 2, (2, 3, 2)), dict(padding="same"), (3, 4, 5, 4)),
    ("Conv3d", (2, 3, 3), dict(padding=1, padding_mode="reflect"), (1, 2, 4, 3, 5)),
    ("Conv3d", (2, 2, (1, 2, 3)), dict(padding=(2, 1, 0), padding_mode="replicate"),
     (2, 2, 3, 3, 3)),
    ("Conv3d", (2, 2, 2), dict(padding=(1, 0, 1), padding_mode="circular", bias=False),
     (2, 2, 3, 3, 3)),
    ("ConvTranspose1d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 5)),
    ("ConvTranspose1d", (3, 2, 4), dict(dilation=2, output_padding=1, bias=False), (3, 4)),
    ("ConvTranspose2d", (4, 6, (3, 2)), dict(stride=(2, 3), padding=(1, 0),
                                             output_padding=(1, 2), groups=2, dilation=(2, 1)),
     (2, 4, 5, 4)),
    ("ConvTranspose2d", (3, 2, 3), dict(stride=2), (3, 3, 4)),
    ("ConvTranspose3d", (4, 6, (3, 2, 2)), dict(stride=(2, 2, 1), padding=(1, 0, 1),
                                                output_padding=(1, 0, 0), groups=2,
                                                dilation=(2, 1, 2)), (2, 4, 3, 4, 3)),
    ("ConvTranspose3d", (2, 3, 3), dict(stride=3, padding=2, output_padding=2), (2, 3, 3, 2)),
    ("ConvTranspose3d", (4, 3, 2), dict(padding=(1, 0, 0), dilation=(3, 1, 1)), (1, 4, 1, 4, 3)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", ND_CASES, ids=lambda c: f"{c[0]}-{'x'.join(map(str, c[3]))}")
def test_layers_match_torch(case, dtype):
    torch = pytest.importorskip("torch")
    name, args, kwargs, shape = case
    tdtype = getattr(torch, dtype)
    tmod, mod = _module_pair(torch, name, args, kwargs, tdtype)
    gen = torch.Generator().manual_seed(1)
    tx = torch.randn(shape, generator=gen, dtype=tdtype, requires_grad=True)
    x = _ng(tx, requires_grad=True)
    tout, out = tmod(tx), mod(x)
    assert out.dtype == getattr(ng, dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    _close(out, tout, **tol)
    tg = torch.randn(tout.shape, generator=gen, dtype=tdtype)
    tout.backward(tg)
    out.backward(_ng(tg))
    _close(x.grad, tx.grad, **tol)
    for p, tp in zip(mod.parameters(), tmod.parameters()):
        _close(p.grad, tp.grad, **tol)


@pytest.mark.parametrize("name, args, shapes", [
    ("Conv1d", (4, 6, 3), [(6, 2, 3), (6,)]),
    ("Conv3d", (4, 6, (3, 2, 1)), [(6, 2, 3, 2, 1), (6,)]),
    ("ConvTranspose1d", (4, 6, 3), [(4, 3, 3), (6,)]),
    ("ConvTranspose2d", (4, 6, (3, 2)), [(4, 3, 3, 2), (6,)]),
    ("ConvTranspose3d", (4, 6, 2), [(4, 3, 2, 2, 2), (6,)]),
])
def test_parameters_named_shaped_and_drawn_as_torch(name, args, shapes):
    torch = pytest.importorskip("torch")
    mod = getattr(ng.nn, name)(*args, groups=2)
    tmod = getattr(torch.nn, name)(*args, groups=2)
    assert list(mod.state_dict()) == list(tmod.state_dict()) == ["weight", "bias"]
    assert [tuple(p.shape) for p in mod.parameters()] == shapes
    fan_in = shapes[0][1] * math.prod(shapes[0][2:])
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_ with a = sqrt(5), and the bias's bound
    for p in mod.parameters():
        values = np.asarray(p.detach())
        assert np.all(np.abs(values) <= bound) and np.std(values) > bound / 5


@pytest.mark.parametrize("name, args, kwargs", [
    ("Conv1d", (2, 4, 3), dict(padding="same", padding_mode="reflect", groups=2, bias=False)),
    ("Conv1d", (2, 4, 3), dict(stride=2, padding=1, dilation=2)),
    ("Conv3d", (2, 4, 3), dict(padding="valid")),
    ("Conv3d", (2, 4, (1, 2, 3)), dict(padding=(1, 0, 1), padding_mode="circular")),
    ("ConvTranspose1d", (2, 4, 3), dict(stride=2, output_padding=1)),
    ("ConvTranspose2d", (2, 4, 3), dict(stride=2, output_padding=1, padding=1, dilation=2)),
    ("ConvTranspose3d", (2, 4, 3), dict(groups=2, bias=False)),
    ("Conv2d", (2, 4, 3), dict(padding=1, padding_mode="replicate")),
])
def test_reprs_and_attributes_as_torch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    mod, tmod = getattr(ng.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(mod) == repr(tmod)
    for attr in ("kernel_size", "stride", "padding", "dilation", "output_padding", "groups",
                 "transposed", "padding_mode"):
        assert getattr(mod, attr) == getattr(tmod, attr), attr
    assert list(mod._reversed_padding_repeated_twice) == list(
        tmod._reversed_padding_repeated_twice)


@pytest.mark.parametrize("name, shape, output_size", [
    ("ConvTranspose1d", (1, 2, 5), [10]),
    ("ConvTranspose1d", (2, 5), [9]),
    ("ConvTranspose1d", (1, 2, 5), [1, 4, 10]),
    ("ConvTranspose2d", (1, 2, 3, 4), (6, 8)),
    ("ConvTranspose3d", (2, 3, 2, 3), (6, 4, 5)),
])
def test_output_size_picks_the_output_padding_as_torch(name, shape, output_size):
    torch = pytest.importorskip("torch")
    tmod, mod = _module_pair(torch, name, (2, 4, 3), dict(stride=2, padding=1),
                             torch.float32)
    tx = torch.randn(shape)
    tout = tmod(tx, output_size=output_size)
    out = mod(_ng(tx), output_size=output_size)
    assert tuple(out.shape) == tuple(tout.shape)
    _close(out.detach(), tout)


@pytest.mark.parametrize("shape, output_size, message", [
    ((1, 2, 5), [13], "requested an output size of [13], but valid sizes range from [11] to "
                      "[12] (for an input of numbagrad.Size([5]))"),
    ((1, 2, 5), [8], "requested an output size of [8], but valid sizes range from [11] to [12]"),
    ((1, 2, 5), [1, 12], "ConvTranspose1D: for 3D input, output_size must have 1 or 3 elements "
                         "(got 2)"),
])
def test_bad_output_size_raises_as_torch(shape, output_size, message):
    mod = ng.nn.ConvTranspose1d(2, 4, 3, stride=2)
    with pytest.raises(ValueError) as err:
        mod(ng.zeros(*shape), output_size=output_size)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize("fn, x_shape, w_shape, kwargs", [
    ("conv1d", (1, 2, 5), (2, 2, 0), {}),
    ("conv1d", (3,), (1, 1, 3), {}),
    ("conv1d", (1, 2, 5), (1, 1, 3), {}),
    ("conv1d", (1, 2, 5), (3, 1, 3), {"groups": 2}),
    ("conv1d", (1, 2, 5), (1, 2, 3), {"groups": 2}),
    ("conv1d", (1, 2, 5), (2, 2, 3), {"stride": 0}),
    ("conv1d", (1, 2, 5), (2, 2, 3), {"dilation": 0}),
    ("conv1d", (1, 2, 5), (2, 2, 3), {"padding": -1}),
    ("conv1d", (1, 2, 5), (2, 2, 3), {"groups": 0}),
    ("conv1d", (1, 2, 5), (2, 2, 3), {"padding": "same", "stride": 2}),
    ("conv1d", (1, 2, 5), (2, 2, 3), {"padding": "foo"}),
    ("conv1d", (1, 2, 5), (2, 2, 7), {}),
    ("conv1d", (1, 2, 5), (2, 2, 3), {"padding": (1, 1)}),
    ("conv1d", (1, 2, 5), (2, 2, 1, 3), {}),
    ("conv2d", (1, 1, 3, 3), (1, 1, 0, 0), {}),
    ("conv2d", (1, 1, 3, 3), (1, 1, 0, 2), {}),
    ("conv3d", (1, 1, 3, 3, 3), (1, 1, 0, 1, 1), {}),
    ("conv3d", (3, 3), (1, 1, 3, 3, 3), {}),
    ("conv3d", (1, 2, 5, 5, 5), (2, 2, 3, 3, 9), {}),
    ("conv3d", (1, 2, 5, 5, 5), (2, 2, 3, 3, 3), {"dilation": 0}),
    ("conv3d", (1, 2, 5, 5, 5), (2, 2, 3, 3, 3), {"stride": (1, 0, 1)}),
    ("conv3d", (1, 2, 5, 5, 5), (2, 2, 3, 3, 3), {"padding": (1, 1)}),
    ("conv3d", (1, 2, 5, 5, 5), (2, 2, 3, 3, 3), {"padding": "same", "stride": 2}),
    ("conv_transpose1d", (1, 2, 5), (2, 2, 3), {"stride": 2, "output_padding": 2}),
    ("conv_transpose1d", (1, 2, 5), (2, 2, 3), {"output_padding": 1}),
    ("conv_transpose1d", (1, 2, 5), (2, 2, 3), {"stride": 0}),
    ("conv_transpose1d", (1, 2, 5), (2, 2, 3), {"padding": -1}),
    ("conv_transpose1d", (1, 2, 5), (2, 2, 3), {"output_padding": -1}),
    ("conv_transpose1d", (1, 2, 5), (2, 2, 3), {"dilation": 0}),
    ("conv_transpose1d", (1, 2, 5), (2, 2, 3), {"groups": 0}),
    ("conv_transpose1d", (1, 3, 5), (2, 2, 3), {}),
    ("conv_transpose1d", (1, 2, 5), (3, 2, 3), {"groups": 2}),
    ("conv_transpose1d", (1, 2, 2), (2, 2, 3), {"padding": 3}),
    ("conv_transpose1d", (5,), (2, 2, 3), {}),
    ("conv_transpose1d", (1, 2, 5), (2, 2, 0), {}),
    ("conv_transpose1d", (1, 2, 5), (2, 2), {}),
    ("conv_transpose2d", (5, 5), (2, 2, 3, 3), {}),
    ("conv_transpose2d", (1, 2, 5, 5), (2, 2, 3, 3), {"stride": 2, "output_padding": (0, 2)}),
    ("conv_transpose2d", (1, 2, 5, 5), (2, 2, 3, 3), {"dilation": 0}),
    ("conv_transpose2d", (1, 2, 1, 1), (2, 2, 1, 1), {"padding": 1}),
    ("conv_transpose3d", (1, 1, 3, 3, 3), (1, 1, 0, 2, 2), {}),
    ("conv_transpose3d", (1, 2, 5, 5, 5), (2, 2, 3, 3, 3), {"stride": 1, "output_padding": 1}),
    ("conv_transpose3d", (1, 2, 5, 5, 5), (2, 2, 3, 3, 3), {"dilation": 0}),
    ("conv_transpose3d", (1, 2, 1, 1, 1), (2, 2, 1, 1, 1), {"padding": 1}),
])
def test_functional_errors_as_torch(fn, x_shape, w_shape, kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as expected:
        getattr(torch.nn.functional, fn)(torch.zeros(x_shape), torch.zeros(w_shape), **kwargs)
    with pytest.raises(type(expected.value)) as err:
        getattr(F, fn)(ng.zeros(*x_shape), ng.zeros(*w_shape), **kwargs)
    assert str(err.value) == str(expected.value).split("\n")[0]


def test_bias_errors_as_torch():
    torch = pytest.importorskip("torch")
    for fn, w_shape in (("conv1d", (2, 2, 3)), ("conv_transpose1d", (2, 2, 3))):
        with pytest.raises(RuntimeError) as expected:
            getattr(torch.nn.functional, fn)(torch.zeros(1, 2, 5), torch.zeros(w_shape),
                                             torch.zeros(3))
        with pytest.raises(RuntimeError) as err:
            getattr(F, fn)(ng.zeros(1, 2, 5), ng.zeros(*w_shape), ng.zeros(3))
        assert str(err.value) == str(expected.value)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
@pytest.mark.parametrize("module", ["Conv1d", "Conv2d", "Conv3d"])
def test_zero_kernel_builds_but_forward_raises_as_torch(module):
    torch = pytest.importorskip("torch")
    nd = int(module[-2])
    mod = getattr(ng.nn, module)(1, 1, kernel_size=0)
    with pytest.raises(RuntimeError) as expected:
        getattr(torch.nn, module)(1, 1, kernel_size=0)(torch.zeros((1, 1) + (3,) * nd))
    with pytest.raises(RuntimeError) as err:
        mod(ng.zeros(*((1, 1) + (3,) * nd)))
    assert str(err.value) == str(expected.value)


@pytest.mark.parametrize("name, kwargs, message", [
    ("Conv1d", {"groups": 0}, "groups must be a positive integer"),
    ("Conv3d", {"groups": 2}, "in_channels must be divisible by groups"),
    ("Conv1d", {"padding": "same", "stride": 2},
     "padding='same' is not supported for strided convolutions"),
    ("Conv3d", {"padding": "foo"}, "Invalid padding string 'foo'"),
    ("Conv1d", {"padding_mode": "foo"}, "padding_mode must be one of"),
    ("ConvTranspose1d", {"padding_mode": "reflect"},
     'Only "zeros" padding mode is supported for ConvTranspose1d'),
    ("ConvTranspose3d", {"groups": 0}, "groups must be a positive integer"),
])
def test_nd_module_errors_as_torch(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(ng.nn, name)(3, 6, 3, **kwargs)


@pytest.mark.parametrize("name", ["Conv1d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
                                  "ConvTranspose3d"])
@pytest.mark.parametrize("bias", [True, False])
def test_results_are_contiguous_as_torch(name, bias):
    nd = 3 if "3d" in name else 1 if "1d" in name else 2
    out = getattr(ng.nn, name)(2, 3, 2, bias=bias)(ng.randn(*((2, 2) + (3,) * nd)))
    assert out.is_contiguous()
    assert tuple(out.view(2, -1).shape) == (2, out.numel() // 2)
