"""Matrix products, forward alone and forward with backward.

The shapes are the tutorials' layers: ``Linear(20, 60)`` on a batch of 128, and the first layer
of the 784-512-10 MLP on a batch of 64 and of 1024. The backward computes both input
gradients (two more products of the same size). ``setup`` runs every product once, so the
timings hold no compilation.
"""
import numbagrad as torch

# name: (m, k, n) for an (m, k) @ (k, n) product
SHAPES = {
    "128x20@20x60": (128, 20, 60),
    "64x784@784x512": (64, 784, 512),
    "1024x784@784x512": (1024, 784, 512),
}


class TimeMatmul:
    """``a @ b`` on float32 matrices of ``shape``."""

    params = [list(SHAPES)]
    param_names = ["shape"]

    def setup(self, shape):
        m, k, n = SHAPES[shape]
        generator = torch.Generator().manual_seed(0)
        self.a = torch.randn(m, k, generator=generator)
        self.b = torch.randn(k, n, generator=generator)
        self.a_grad = self.a.detach().requires_grad_()
        self.b_grad = self.b.detach().requires_grad_()
        self.grad_out = torch.ones(m, n)
        self.time_forward(shape)
        self.time_forward_backward(shape)

    def time_forward(self, shape):
        torch.matmul(self.a, self.b)

    def time_forward_backward(self, shape):
        self.a_grad.grad = None
        self.b_grad.grad = None
        torch.matmul(self.a_grad, self.b_grad).backward(self.grad_out)
