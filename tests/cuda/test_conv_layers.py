"""The convolution layers in one, two and three dimensions, and transposed, give the same
outputs and gradients on the GPU as on the CPU, padding modes and ``output_size`` included."""
import copy

import numpy as np
import pytest

import numbagrad as torch
from numbagrad import nn

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


LAYERS = {
    "Conv1d_reflect": (lambda: nn.Conv1d(2, 4, 3, padding=2, padding_mode="reflect",
                                         groups=2), _x(2, 2, 6), {}),
    "Conv2d_circular": (lambda: nn.Conv2d(2, 3, (2, 3), padding="same",
                                          padding_mode="circular"), _x(2, 4, 5), {}),
    "Conv3d_replicate": (lambda: nn.Conv3d(2, 3, 2, stride=(1, 2, 1), padding=1,
                                           padding_mode="replicate"), _x(1, 2, 3, 4, 3), {}),
    "Conv3d_dilation": (lambda: nn.Conv3d(2, 2, (2, 1, 2), dilation=(2, 1, 1)),
                        _x(2, 5, 3, 4), {}),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d(2, 4, 3, stride=2, padding=1, groups=2),
                        _x(2, 2, 5), {"output_size": [10]}),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 3, (3, 2), stride=(2, 1),
                                                   output_padding=(1, 0), dilation=(1, 2)),
                        _x(2, 3, 4), {}),
    "ConvTranspose3d": (lambda: nn.ConvTranspose3d(2, 2, 2, stride=2, padding=(1, 0, 0)),
                        _x(1, 2, 2, 3, 2), {"output_size": (3, 6, 5)}),
}


def _run(module, array, kwargs, device):
    x = torch.from_numpy(array).to(device).requires_grad_()
    out = module(x, **kwargs)
    g = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(np.float32)
    out.backward(torch.from_numpy(g).to(device))
    return out, [x.grad] + [p.grad for p in module.parameters()]


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_conv_layer_on_gpu_matches_cpu(name):
    make, array, kwargs = LAYERS[name]
    torch.manual_seed(0)
    cpu_module = make()
    gpu_module = copy.deepcopy(cpu_module).to("cuda")
    cpu_out, cpu_grads = _run(cpu_module, array, kwargs, "cpu")
    gpu_out, gpu_grads = _run(gpu_module, array, kwargs, "cuda")
    assert gpu_out.device.type == "cuda" and gpu_out.shape == cpu_out.shape
    np.testing.assert_allclose(gpu_out.detach().cpu().numpy(), cpu_out.detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    for g, c in zip(gpu_grads, cpu_grads):
        assert g.device.type == "cuda"
        np.testing.assert_allclose(g.cpu().numpy(), c.numpy(), rtol=1e-4, atol=1e-5)
