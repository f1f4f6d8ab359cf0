"""torch's process-wide namespaces: accelerator, default device, threads, cuDNN/MPS flags,
deterministic algorithms and the grad-mode switches as decorators."""
import pytest

import numbagrad


@pytest.fixture
def restore_settings():
    threads = numbagrad.get_num_threads()
    yield
    numbagrad.set_default_device(None)
    numbagrad.set_num_threads(threads)
    numbagrad.use_deterministic_algorithms(False)


def test_accelerator_follows_cuda():
    available = numbagrad.cuda.is_available()
    assert numbagrad.accelerator.is_available() is available
    assert numbagrad.accelerator.device_count() == numbagrad.cuda.device_count()
    current = numbagrad.accelerator.current_accelerator()
    if available:
        assert current == numbagrad.device("cuda") and current.type == "cuda"
    else:
        assert current is None and numbagrad.accelerator.device_count() == 0
        with pytest.raises(RuntimeError, match="no accelerator"):
            numbagrad.accelerator.current_device_index()


def test_accelerator_idiom_picks_a_device():
    acc = numbagrad.accelerator.current_accelerator()
    device = acc if numbagrad.accelerator.is_available() else numbagrad.device("cpu")
    assert numbagrad.ones(2, device=device).device.type == device.type


def test_default_device_is_cpu_and_can_be_set(restore_settings):
    assert numbagrad.get_default_device() == numbagrad.device("cpu")
    assert repr(numbagrad.get_default_device()) == "device(type='cpu')"
    numbagrad.set_default_device("cpu")
    assert numbagrad.zeros(2).device.type == "cpu"
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        numbagrad.set_default_device("tpu")


def test_default_device_matches_torch():
    torch = pytest.importorskip("torch")
    assert repr(numbagrad.get_default_device()) == repr(torch.get_default_device())


@pytest.mark.skipif(not numbagrad.cuda.is_available(), reason="needs a GPU or the CUDA simulator")
def test_creation_functions_honour_the_default_device(restore_settings):
    numbagrad.set_default_device("cuda")
    assert numbagrad.get_default_device() == numbagrad.device("cuda", 0)
    made = [numbagrad.tensor([1.0, 2.0]), numbagrad.zeros(2), numbagrad.ones(2, 2),
            numbagrad.empty(3), numbagrad.full((2,), 3.0), numbagrad.eye(2),
            numbagrad.arange(3), numbagrad.linspace(0, 1, 3), numbagrad.rand(2),
            numbagrad.randn(2), numbagrad.randint(0, 5, (2,)), numbagrad.randperm(3)]
    assert [t.device.type for t in made] == ["cuda"] * len(made)
    assert numbagrad.zeros(2, device="cpu").device.type == "cpu"
    assert numbagrad.tensor([1.0], device="cpu").device.type == "cpu"
    numbagrad.set_default_device(None)
    assert numbagrad.zeros(2).device.type == "cpu"


def test_num_threads(restore_settings):
    n = numbagrad.get_num_threads()
    assert isinstance(n, int) and n >= 1
    numbagrad.set_num_threads(1)
    assert numbagrad.get_num_threads() == 1
    import numba

    assert numba.get_num_threads() == 1
    with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
        numbagrad.set_num_threads(0)
    with pytest.raises(RuntimeError, match="set_num_threads expects an int, but got float"):
        numbagrad.set_num_threads(1.0)
    with pytest.warns(UserWarning, match="NUMBA_NUM_THREADS"):
        numbagrad.set_num_threads(numba.config.NUMBA_NUM_THREADS + 1)
    assert numbagrad.get_num_threads() == numba.config.NUMBA_NUM_THREADS


def test_cudnn_and_mps_flags(restore_settings):
    cudnn = numbagrad.backends.cudnn
    assert (cudnn.benchmark, cudnn.deterministic, cudnn.enabled) == (False, False, True)
    assert cudnn.is_available() is False and numbagrad.backends.mps.is_available() is False
    cudnn.benchmark = True
    cudnn.deterministic = True
    try:
        import numbagrad.backends.cudnn as again

        assert again.benchmark is True and again.deterministic is True
    finally:
        cudnn.benchmark = False
        cudnn.deterministic = False


def test_cudnn_defaults_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = numbagrad.backends.cudnn, torch.backends.cudnn
    assert (ours.benchmark, ours.deterministic, ours.enabled) == (
        theirs.benchmark, theirs.deterministic, theirs.enabled)


def test_deterministic_algorithms(restore_settings):
    assert numbagrad.are_deterministic_algorithms_enabled() is False
    numbagrad.use_deterministic_algorithms(True, warn_only=True)
    assert numbagrad.are_deterministic_algorithms_enabled() is True
    assert numbagrad.is_deterministic_algorithms_warn_only_enabled() is True
    numbagrad.use_deterministic_algorithms(False)
    assert numbagrad.are_deterministic_algorithms_enabled() is False
    with pytest.raises(TypeError, match=r"argument 'mode' \(position 1\) must be bool, not float"):
        numbagrad.use_deterministic_algorithms(1.5)


def test_deterministic_error_matches_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError) as theirs:
        torch.use_deterministic_algorithms("yes")
    with pytest.raises(TypeError) as ours:
        numbagrad.use_deterministic_algorithms("yes")
    assert str(ours.value) == str(theirs.value)


def test_grad_mode_switches_work_as_decorators():
    x = numbagrad.ones(2, requires_grad=True)

    @numbagrad.inference_mode()
    def infer():
        return x * 2

    @numbagrad.no_grad()
    def frozen():
        return enabled()

    @numbagrad.enable_grad()
    def enabled():
        return x * 2

    @numbagrad.set_grad_enabled(False)
    def off():
        return x * 2

    assert infer().requires_grad is False
    assert off().requires_grad is False
    assert frozen().requires_grad is True
    assert numbagrad.is_grad_enabled()
    with numbagrad.inference_mode():
        assert (x * 2).requires_grad is False
    with numbagrad.inference_mode(False):
        assert (x * 2).requires_grad is True
