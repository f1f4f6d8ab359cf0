"""Neural-network functions: softmax, log_softmax and cross_entropy on logits, and the
tutorial CNN's convolution and pooling, forward alone and forward with backward.

Logits are a batch of 64 over 10 classes (Python overhead dominates) and a batch of 1024 over
1000 classes (the kernels dominate). The CNN layer is ``Conv2d(1, 8, 3, padding=1)`` on a
batch of 64 MNIST-sized images, then ``max_pool2d(2)`` on its (64, 8, 28, 28) output.
``setup`` runs every function once, so the timings hold no compilation.
"""
import numbagrad as torch
import numbagrad.nn.functional as F

LOGITS = {"64x10": (64, 10), "1024x1000": (1024, 1000)}
SOFTMAX_OPS = ["softmax", "log_softmax", "cross_entropy"]


def _apply_softmax(op, logits, target):
    if op == "softmax":
        return F.softmax(logits, dim=1)
    if op == "log_softmax":
        return F.log_softmax(logits, dim=1)
    return F.cross_entropy(logits, target)


class TimeSoftmax:
    """``op`` on float32 logits of ``shape`` (and integer class targets for cross_entropy)."""

    params = (SOFTMAX_OPS, list(LOGITS))
    param_names = ["op", "shape"]

    def setup(self, op, shape):
        batch, classes = LOGITS[shape]
        generator = torch.Generator().manual_seed(0)
        self.logits = torch.randn(batch, classes, generator=generator)
        self.target = torch.randint(0, classes, (batch,), generator=generator)
        self.logits_grad = self.logits.detach().requires_grad_()
        self.grad_out = torch.ones_like(_apply_softmax(op, self.logits, self.target))
        self.time_forward(op, shape)
        self.time_forward_backward(op, shape)

    def time_forward(self, op, shape):
        _apply_softmax(op, self.logits, self.target)

    def time_forward_backward(self, op, shape):
        self.logits_grad.grad = None
        _apply_softmax(op, self.logits_grad, self.target).backward(self.grad_out)


class TimeConvLayer:
    """The tutorial CNN's first layer: ``conv2d`` with bias, or ``max_pool2d`` after it."""

    params = [["conv2d", "max_pool2d"]]
    param_names = ["op"]

    def setup(self, op):
        generator = torch.Generator().manual_seed(0)
        images = torch.randn(64, 1, 28, 28, generator=generator)
        weight = torch.randn(8, 1, 3, 3, generator=generator) * (1 / 3)
        bias = torch.zeros(8)
        if op == "conv2d":
            self.inputs = (images, weight, bias)
        else:
            self.inputs = (F.conv2d(images, weight, bias, padding=1),)
        self.inputs_grad = tuple(t.detach().requires_grad_() for t in self.inputs)
        self.grad_out = torch.ones_like(self._apply(op, self.inputs))
        self.time_forward(op)
        self.time_forward_backward(op)

    @staticmethod
    def _apply(op, inputs):
        if op == "conv2d":
            return F.conv2d(*inputs, padding=1)
        return F.max_pool2d(inputs[0], 2)

    def time_forward(self, op):
        self._apply(op, self.inputs)

    def time_forward_backward(self, op):
        for t in self.inputs_grad:
            t.grad = None
        self._apply(op, self.inputs_grad).backward(self.grad_out)
