"""One optimizer step over the parameters of the tutorials' 784-512-10 MLP (407,050 floats).

The gradients come from one forward and backward of a batch of 64 in ``setup``, which also
takes one step, so the optimizer's state exists and the timings hold no compilation. Each
timed call is ``optimizer.step()`` alone; the gradients stay the same between calls.
"""
import numbagrad as torch
import numbagrad.nn.functional as F

OPTIMIZERS = {
    "SGD(momentum=0.9)": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
    "Adam": lambda p: torch.optim.Adam(p, lr=1e-3),
    "RMSprop": lambda p: torch.optim.RMSprop(p, lr=1e-3),
}


class TimeOptimizerStep:
    """``optimizer.step()`` of ``optimizer`` on the MLP's parameters."""

    params = [list(OPTIMIZERS)]
    param_names = ["optimizer"]

    def setup(self, optimizer):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                    torch.nn.Linear(512, 10))
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(64, 784, generator=generator)
        y = torch.randint(0, 10, (64,), generator=generator)
        F.cross_entropy(model(x), y).backward()
        self.optimizer = OPTIMIZERS[optimizer](model.parameters())
        self.optimizer.step()

    def time_step(self, optimizer):
        self.optimizer.step()
