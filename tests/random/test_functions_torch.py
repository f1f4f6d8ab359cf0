"""The public random functions and in-place methods, seeded alike, give torch's tensors."""
import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")


def same(ours, theirs) -> bool:
    a, b = np.ascontiguousarray(ours.numpy()), np.ascontiguousarray(theirs.numpy())
    return str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1] and \
        a.shape == b.shape and np.array_equal(a.view(np.uint8), b.view(np.uint8))


CALLS = [
    "rand(4, 5)", "randn(3, 7)", "randn(40, dtype={lib}.float64)", "rand(2, dtype={lib}.float64)",
    "randint(0, 10, (6,))", "randint(-3, 3, (2, 5), dtype={lib}.int32)", "randint(7, (3,))",
    "randperm(11)", "randperm(5, dtype={lib}.int32)", "normal(0.5, 2.0, (20,))",
    "normal({lib}.arange(4.), {lib}.ones(4) * 3)", "normal({lib}.arange(20.), 0.5)",
    "normal(1.0, {lib}.ones(18) * 2)",
    "bernoulli({lib}.full((9,), 0.4))", "bernoulli({lib}.ones(5), 0.3)",
    "multinomial({lib}.tensor([1., 2., 3., 4.]), 3)",
    "multinomial({lib}.tensor([[1., 2.], [3., 0.5]]), 5, True)",
    "rand_like({lib}.ones(3, 2))", "randn_like({lib}.ones(17, dtype={lib}.float64))",
    "randint_like({lib}.ones(4), 9)",
    "empty(5, 4).uniform_(-1, 1)", "empty(20).normal_(2, 3)", "empty(4, 6).t().normal_()",
    "empty(4, 6).t().uniform_()", "empty(6, dtype={lib}.int64).random_()",
    "empty(6).random_(3, 9)", "empty(6).random_(9)", "empty(7).bernoulli_(0.25)",
    "empty(3, 3).bernoulli_({lib}.full((3,), 0.5))", "empty(8).exponential_(2.0)",
    "empty(8, dtype={lib}.float64).cauchy_(1.0, 0.5)", "empty(9).log_normal_(0.5, 0.25)",
    "empty(9, dtype={lib}.int32).geometric_(0.3)", "empty(1000).geometric_(0.05)",
    "empty(1000, dtype={lib}.float64).cauchy_(-1.0, 3.0)",
    "empty(1000, dtype={lib}.float64).log_normal_(0.5, 0.25)",
    "empty(1000, dtype={lib}.float64).exponential_(0.5)",
    "randn(40, dtype={lib}.float16)", "randn(7, 13, dtype={lib}.float16)",
    "empty(1000, dtype={lib}.float16).normal_(0.5, 2.0)",
    "empty(17, dtype={lib}.float16).normal_()",
    "normal(0.5, 2.0, (1000,), dtype={lib}.float16)",
    "nn.init.normal_({lib}.empty(1000, dtype={lib}.float16), 0.5, 2.0)",
    "nn.init.trunc_normal_({lib}.empty(1000, dtype={lib}.float16), 0.5, 2.0)",
    "nn.init.trunc_normal_({lib}.empty(17, dtype={lib}.float16), 0.0, 1.0, 1.0, 3.0)",
    "empty(1000, dtype={lib}.float16).exponential_(0.5)",
    "empty(1000, dtype={lib}.float16).cauchy_(0.5, 2.0)",
    "empty(1000, dtype={lib}.float16).log_normal_(0.5, 1.0)",
    "multinomial({lib}.ones(2, 3000), 3000)", "multinomial({lib}.ones(3000), 40)",
    "multinomial({lib}.tensor([1., 3., 2., 3., 1., 4.], dtype={lib}.float16), 4)",
    "multinomial({lib}.tensor([[1., 1., 2.], [3., 3., 3.]], dtype={lib}.float16), 1, True)",
    "multinomial({lib}.arange(1., 101.).half(), 7, True)",
]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("seed", [0, 2 ** 40 + 7])
def test_default_generator(call, seed):
    ng.manual_seed(seed)
    torch.manual_seed(seed)
    for _ in range(2):  # the second call starts from the advanced stream
        assert same(eval("ng." + call.format(lib="ng")), eval("torch." + call.format(lib="torch")))


@pytest.mark.parametrize("call", ["rand(5, generator=g)", "randn(3, generator=g)",
                                  "randint(0, 5, (4,), generator=g)", "randperm(6, generator=g)",
                                  "normal(0., 1., (4,), generator=g)",
                                  "empty(3).uniform_(generator=g)",
                                  "empty(3).normal_(generator=g)",
                                  "empty(3).exponential_(generator=g)",
                                  "bernoulli({lib}.full((4,), .5), generator=g)"])
def test_explicit_generator_leaves_the_default_alone(call):
    ng.manual_seed(1)
    torch.manual_seed(1)
    ours, theirs = ng.Generator().manual_seed(9), torch.Generator().manual_seed(9)
    assert same(eval("ng." + call.format(lib="ng"), {"ng": ng, "g": ours}),
                eval("torch." + call.format(lib="torch"), {"torch": torch, "g": theirs}))
    assert same(ng.rand(3), torch.rand(3))


@pytest.mark.parametrize("call,error", [
    ("empty(3).exponential_(0)", RuntimeError), ("empty(3).bernoulli_(1.5)", RuntimeError),
    ("empty(3).random_(5, 3)", RuntimeError), ("empty(3).geometric_(1)", RuntimeError),
    ("empty(3).log_normal_(1, 0)", RuntimeError), ("empty(3).cauchy_(0, 0)", RuntimeError),
    ("empty(3, dtype={lib}.int64).exponential_()", RuntimeError),
    ("empty(3, dtype={lib}.int64).normal_()", NotImplementedError),
    ("empty(3, dtype={lib}.int64).uniform_()", NotImplementedError),
    ("normal({lib}.zeros(3), -{lib}.ones(3))", RuntimeError),
])
def test_errors_match_torch(call, error):
    with pytest.raises(error) as theirs:
        eval("torch." + call.format(lib="torch"))
    with pytest.raises(error) as ours:
        eval("ng." + call.format(lib="ng"))
    assert str(ours.value) == str(theirs.value)
