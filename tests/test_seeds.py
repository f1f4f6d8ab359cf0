"""The PyTorch tutorials' programs that the API follows, run with ``import numbagrad as torch``.

Each program is written once, as a function of the library it runs with (its first argument is
called ``torch``), and run twice: with numbagrad and with PyTorch. Both start from the same
initial parameters (torch's, loaded through ``load_state_dict``) and see the same data, so every
loss and every parameter must agree step by step within float32 rounding.

Tolerances: the matrix products run on different BLAS libraries, whose float32 sums differ in
the last bits (relative 1e-7 per product); a few hundred optimizer steps grow that to about 1e-5,
so trajectories are compared with ``rtol=1e-4`` and single steps with ``rtol=1e-5``.
"""
from __future__ import annotations

import numpy as np
import pytest

import numbagrad

STEP_RTOL, STEP_ATOL = 1e-5, 1e-6
TRAJECTORY_RTOL, TRAJECTORY_ATOL = 1e-4, 1e-5


# ---------------------------------------------------------------------------- helpers
def numpy_state(model) -> dict:
    """A module's state dict as NumPy arrays (copies), from either library."""
    return {k: np.array(v.detach().numpy()) for k, v in model.state_dict().items()}


def load_numpy_state(torch, model, state: dict) -> None:
    """Load NumPy arrays into ``model`` (a module of library ``torch``)."""
    model.load_state_dict({k: torch.tensor(v) for k, v in state.items()})


def torch_initial_state(torch_lib, make_model, seed: int = 0) -> dict:
    """The parameters torch draws for ``make_model(torch_lib)`` after ``manual_seed(seed)``."""
    torch_lib.manual_seed(seed)
    return numpy_state(make_model(torch_lib))


def assert_states_close(ng_state: dict, t_state: dict, rtol: float, atol: float) -> None:
    assert list(ng_state) == list(t_state)
    for key in t_state:
        assert ng_state[key].dtype == t_state[key].dtype, key
        np.testing.assert_allclose(ng_state[key], t_state[key], rtol=rtol, atol=atol, err_msg=key)


def run_both(program, make_model, *args, seed: int = 0, **kwargs):
    """``program(lib, state, *args)`` with numbagrad and with torch, from torch's initial state."""
    torch = pytest.importorskip("torch")
    state = torch_initial_state(torch, make_model, seed)
    return program(numbagrad, state, *args, **kwargs), program(torch, state, *args, **kwargs)


def random_arrays(*shapes, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


# ---------------------------------------------------------------------------- seed 000
# "神经网络训练的核心组件": nn.Linear(20, 60), nn.MSELoss, optim.SGD(lr=0.01).
def linear_20_60(torch):
    return torch.nn.Linear(20, 60)


def seed_test01(torch, state, x, y):
    """The tutorial's ``test01``: one forward, backward and SGD step."""
    from_numpy = torch.tensor
    nn, optim = torch.nn, torch.optim
    model = nn.Linear(20, 60)
    load_numpy_state(torch, model, state)
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    x, y = from_numpy(x), from_numpy(y)
    y_pred = model(x)
    loss = criterion(y_pred, y)
    optimizer.zero_grad()
    loss.backward()
    grads = {name: p.grad.numpy().copy() for name, p in model.named_parameters()}
    optimizer.step()
    return loss.item(), grads, numpy_state(model)


def training_loop_100(torch, state, x, y):
    """Section 六: the same model trained for 100 epochs, printing every tenth loss."""
    model = torch.nn.Linear(20, 60)
    load_numpy_state(torch, model, state)
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.tensor(x), torch.tensor(y)
    losses, printed = [], []
    for epoch in range(100):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if epoch % 10 == 0:
            printed.append(f"Epoch {epoch}, Loss: {loss.item()}")
    return losses, printed, numpy_state(model)


def test_seed000_single_step_matches_torch():
    x, y = random_arrays((128, 20), (128, 60))
    (ng_loss, ng_grads, ng_state), (t_loss, t_grads, t_state) = run_both(
        seed_test01, linear_20_60, x, y)
    assert isinstance(ng_loss, float)
    assert ng_loss == pytest.approx(t_loss, rel=STEP_RTOL)
    assert_states_close(ng_grads, t_grads, STEP_RTOL, STEP_ATOL)
    assert_states_close(ng_state, t_state, STEP_RTOL, STEP_ATOL)


def test_seed000_hundred_epochs_match_torch():
    x, y = random_arrays((128, 20), (128, 60), seed=1)
    (ng_losses, ng_printed, ng_state), (t_losses, t_printed, t_state) = run_both(
        training_loop_100, linear_20_60, x, y)
    np.testing.assert_allclose(ng_losses, t_losses, rtol=TRAJECTORY_RTOL)
    assert ng_losses[-1] < ng_losses[0]
    assert [line.split(",")[0] for line in ng_printed] == [f"Epoch {e}" for e in range(0, 100, 10)]
    assert [line.split(",")[0] for line in t_printed] == [line.split(",")[0] for line in ng_printed]
    assert_states_close(ng_state, t_state, TRAJECTORY_RTOL, TRAJECTORY_ATOL)


def test_seed000_runs_without_torch():
    """The program as written, numbagrad alone: its own init, data and RNG."""
    torch = numbagrad
    torch.manual_seed(0)
    model = torch.nn.Linear(20, 60)
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(128, 20)
    y = torch.randn(128, 60)
    first = criterion(model(x), y).item()
    for _ in range(20):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert model(x).shape == (128, 60)
    assert loss.item() < first


# ---------------------------------------------------------------------------- seed 002
# "PyTorch 梯度更新": linear regression y = 2x + 1 + noise with Linear(1, 1), MSE, SGD(0.01).
def linear_1_1(torch):
    return torch.nn.Linear(1, 1)


def linear_regression(torch, state, noise):
    x = torch.linspace(0, 10, 100).reshape(-1, 1)
    y = 2 * x + 1 + torch.tensor(noise) * 2  # y = 2x + 1 + 噪声
    model = torch.nn.Linear(1, 1)
    load_numpy_state(torch, model, state)
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    losses, printed = [], []
    for epoch in range(100):
        output = model(x)
        loss = criterion(output, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if (epoch + 1) % 10 == 0:
            printed.append(f"Epoch [{epoch+1}/100], Loss: {loss.item():.4f}")
    return x.numpy().copy(), losses, printed, numpy_state(model)


def test_seed002_linspace_matches_torch():
    torch = pytest.importorskip("torch")
    ng_x = numbagrad.linspace(0, 10, 100).reshape(-1, 1)
    t_x = torch.linspace(0, 10, 100).reshape(-1, 1)
    assert ng_x.shape == (100, 1) and ng_x.dtype == numbagrad.float32
    np.testing.assert_allclose(ng_x.numpy(), t_x.numpy(), rtol=1e-6, atol=1e-6)


def test_seed002_linear_regression_matches_torch_every_epoch():
    (noise,) = random_arrays((100, 1), seed=2)
    ng_run, t_run = run_both(linear_regression, linear_1_1, noise)
    (ng_x, ng_losses, ng_printed, ng_state), (t_x, t_losses, t_printed, t_state) = ng_run, t_run
    np.testing.assert_allclose(ng_x, t_x, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ng_losses, t_losses, rtol=TRAJECTORY_RTOL)
    assert_states_close(ng_state, t_state, TRAJECTORY_RTOL, TRAJECTORY_ATOL)
    assert ng_printed == t_printed
    assert ng_printed[0].startswith("Epoch [10/100], Loss: ")
    # The fit moves towards y = 2x + 1: the weight is already close to 2.
    assert abs(ng_state["weight"].item() - 2.0) < 0.3


def test_seed002_converges_to_the_line_without_torch():
    torch = numbagrad
    torch.manual_seed(0)
    x = torch.linspace(0, 10, 100).reshape(-1, 1)
    y = 2 * x + 1 + torch.randn(100, 1) * 2
    model = torch.nn.Linear(1, 1)
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(1500):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    # Least squares on the same data: the answer SGD converges to.
    design = np.hstack([x.numpy(), np.ones((100, 1), np.float32)]).astype(np.float64)
    (w, b), *_ = np.linalg.lstsq(design, y.numpy().astype(np.float64).ravel(), rcond=None)
    assert model.weight.item() == pytest.approx(w, abs=0.02)
    assert model.bias.item() == pytest.approx(b, abs=0.1)
    assert abs(w - 2.0) < 0.3 and abs(b - 1.0) < 1.5


# ---------------------------------------------------------------------------- seed 004
# "PyTorch 神经网络基础": SimpleNN, the activations, losses and optimizers it lists.
SIMPLE_NN_PRINT = """SimpleNN(
  (fc1): Linear(in_features=2, out_features=2, bias=True)
  (fc2): Linear(in_features=2, out_features=1, bias=True)
)"""


def simple_nn(torch):
    nn = torch.nn

    class SimpleNN(nn.Module):
        def __init__(self):
            super(SimpleNN, self).__init__()
            # 定义一个输入层到隐藏层的全连接层
            self.fc1 = nn.Linear(2, 2)  # 输入 2 个特征，输出 2 个特征
            # 定义一个隐藏层到输出层的全连接层
            self.fc2 = nn.Linear(2, 1)  # 输入 2 个特征，输出 1 个预测值

        def forward(self, x):
            x = torch.relu(self.fc1(x))  # 使用 ReLU 激活函数
            x = self.fc2(x)  # 输出层
            return x

    return SimpleNN()


def train_simple_nn(torch, state, X, Y, X_test, Y_test, optimizer_name):
    model = simple_nn(torch)
    load_numpy_state(torch, model, state)
    criterion = torch.nn.MSELoss()
    if optimizer_name == "SGD":
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    X, Y = torch.tensor(X), torch.tensor(Y)
    losses = []
    for epoch in range(100):  # 训练 100 轮
        model.train()  # 设置模型为训练模式
        optimizer.zero_grad()  # 清除梯度
        output = model(X)  # 前向传播
        loss = criterion(output, Y)  # 计算损失
        loss.backward()  # 反向传播
        optimizer.step()  # 更新权重
        losses.append(loss.item())
    model.eval()  # 设置模型为评估模式
    with torch.no_grad():  # 在评估过程中禁用梯度计算
        output = model(torch.tensor(X_test))
        test_loss = criterion(output, torch.tensor(Y_test))
    assert not model.training and not output.requires_grad
    return losses, test_loss.item(), numpy_state(model)


def test_seed004_print_model_is_the_tutorials_text(capsys):
    torch = numbagrad
    model = simple_nn(torch)
    print(model)
    assert capsys.readouterr().out == SIMPLE_NN_PRINT + "\n"
    assert [name for name, _ in model.named_parameters()] == [
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]


def test_seed004_print_model_matches_torch():
    torch = pytest.importorskip("torch")
    assert repr(simple_nn(torch)) == SIMPLE_NN_PRINT == repr(simple_nn(numbagrad))


@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam"])
def test_seed004_training_matches_torch(optimizer_name):
    X, Y, X_test, Y_test = random_arrays((10, 2), (10, 1), (5, 2), (5, 1), seed=4)
    ng_run, t_run = run_both(train_simple_nn, simple_nn, X, Y, X_test, Y_test, optimizer_name)
    (ng_losses, ng_test, ng_state), (t_losses, t_test, t_state) = ng_run, t_run
    np.testing.assert_allclose(ng_losses, t_losses, rtol=TRAJECTORY_RTOL)
    assert ng_test == pytest.approx(t_test, rel=TRAJECTORY_RTOL)
    assert_states_close(ng_state, t_state, TRAJECTORY_RTOL, TRAJECTORY_ATOL)


def activations_and_losses(torch, x, logits, labels, target01):
    F = torch.nn.functional
    x, logits = torch.tensor(x), torch.tensor(logits)
    labels, target01 = torch.tensor(labels), torch.tensor(target01)
    out = {
        "relu": F.relu(x), "sigmoid": torch.sigmoid(x), "tanh": torch.tanh(x),
        "softmax": torch.nn.Softmax(dim=1)(logits),
        "mse": torch.nn.MSELoss()(x, torch.zeros_like(x)),
        "cross_entropy": torch.nn.CrossEntropyLoss()(logits, labels),
        "bce_logits": torch.nn.BCEWithLogitsLoss()(x, target01),
    }
    return {k: v.numpy().copy() for k, v in out.items()}


def test_seed004_activations_and_losses_match_torch():
    torch = pytest.importorskip("torch")
    x, logits = random_arrays((4, 3), (4, 5), seed=5)
    labels = np.array([0, 4, 2, 1], dtype=np.int64)
    target01 = (np.arange(12).reshape(4, 3) % 2).astype(np.float32)
    ng = activations_and_losses(numbagrad, x, logits, labels, target01)
    ref = activations_and_losses(torch, x, logits, labels, target01)
    for key in ref:
        np.testing.assert_allclose(ng[key], ref[key], rtol=STEP_RTOL, atol=STEP_ATOL, err_msg=key)


def test_seed004_layers_it_lists_have_torchs_shapes():
    torch = numbagrad
    nn = torch.nn
    images = torch.randn(2, 3, 8, 8)
    assert nn.Linear(5, 7)(torch.randn(4, 5)).shape == (4, 7)
    assert nn.Conv2d(3, 6, 3)(images).shape == (2, 6, 6, 6)
    assert nn.MaxPool2d(2)(images).shape == (2, 3, 4, 4)
    assert nn.ReLU()(images).min().item() >= 0
    probs = nn.Softmax(dim=1)(torch.randn(4, 10))
    np.testing.assert_allclose(probs.sum(dim=1).numpy(), np.ones(4), rtol=1e-6)


# ---------------------------------------------------------------------------- seed 001
# "第三十三天打卡复习": an MLP classifier trained full-batch; forward() and __call__ agree;
# losses.append(loss.item()); the optimizers of its table.
def mlp_4_10_3(torch):
    nn = torch.nn

    class MLP(nn.Module):
        def __init__(self):
            super(MLP, self).__init__()
            self.fc1 = nn.Linear(4, 10)  # 输入层到隐藏层
            self.relu = nn.ReLU()
            self.fc2 = nn.Linear(10, 3)  # 隐藏层到输出层

        def forward(self, x):
            out = self.fc1(x)
            out = self.relu(out)
            out = self.fc2(out)
            return out

    return MLP()


def train_mlp(torch, state, X_train, y_train, optimizer_name, num_epochs):
    model = mlp_4_10_3(torch)
    load_numpy_state(torch, model, state)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = {
        "SGD": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
        "Adam": lambda p: torch.optim.Adam(p, lr=0.001),
        "RMSprop": lambda p: torch.optim.RMSprop(p, lr=0.001),
    }[optimizer_name](model.parameters())
    X_train, y_train = torch.tensor(X_train), torch.tensor(y_train)
    losses, printed = [], []
    for epoch in range(num_epochs):
        outputs = model.forward(X_train)  # 显式调用
        implicit = model(X_train)  # 隐式调用
        assert np.array_equal(outputs.detach().numpy(), implicit.detach().numpy())
        loss = criterion(outputs, y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if (epoch + 1) % 100 == 0:
            printed.append(f"Epoch [{epoch+1}/{num_epochs}], Loss: {loss.item():.4f}")
    return losses, printed, numpy_state(model)


@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam", "RMSprop"])
def test_seed001_mlp_classifier_matches_torch(optimizer_name):
    (X,) = random_arrays((60, 4), seed=6)
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0.5).astype(np.int64)
    ng_run, t_run = run_both(train_mlp, mlp_4_10_3, X, y, optimizer_name, 200)
    (ng_losses, ng_printed, ng_state), (t_losses, t_printed, t_state) = ng_run, t_run
    np.testing.assert_allclose(ng_losses, t_losses, rtol=TRAJECTORY_RTOL)
    assert ng_printed == t_printed and len(ng_printed) == 2
    assert_states_close(ng_state, t_state, TRAJECTORY_RTOL, TRAJECTORY_ATOL)
    assert ng_losses[-1] < ng_losses[0]


# ---------------------------------------------------------------------------- seed 003
# "PyTorch 入门学习笔记(数字识别实战)": the MNIST MLP 784-512-10, CrossEntropyLoss,
# SGD(lr=0.01, momentum=0.9), batches of 64, and its evaluation loop.
def mnist_net(torch):
    nn = torch.nn
    F = torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.fc1 = nn.Linear(28 * 28, 512)
            self.fc2 = nn.Linear(512, 10)

        def forward(self, x):
            x = x.view(-1, 28 * 28)  # Flatten the input
            x = F.relu(self.fc1(x))
            x = self.fc2(x)
            return x

    return Net()


def mnist_like_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uint8 images ``(n, 28, 28)`` and labels ``(n,)``: MNIST's types and shapes."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    images[:, :4] = 0  # a black border, as in MNIST
    return images, rng.integers(0, 10, n).astype(np.int64)


def tutorial_transform(transforms):
    return transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.5,), (0.5,)),
    ])


def train_and_evaluate_mnist(torch, state, images, labels, test_images, test_labels, epochs):
    """The tutorial's training loop (epochs x batches of 64, no shuffling so that both libraries
    see the same batches) and its evaluation loop."""
    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset
    trainloader = DataLoader(TensorDataset(torch.tensor(images), torch.tensor(labels)),
                             batch_size=64, shuffle=False)
    testloader = DataLoader(TensorDataset(torch.tensor(test_images), torch.tensor(test_labels)),
                            batch_size=64, shuffle=False)
    net = mnist_net(torch)
    load_numpy_state(torch, net, state)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    step_losses, epoch_lines = [], []
    for epoch in range(epochs):
        running_loss = 0.0
        for inputs, labels_batch in trainloader:
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels_batch)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            step_losses.append(loss.item())
        epoch_lines.append(f"Epoch {epoch+1}, Loss: {running_loss/len(trainloader)}")
    correct = 0
    total = 0
    net.eval()
    with torch.no_grad():
        for inputs, labels_batch in testloader:
            outputs = net(inputs)
            _, predicted = torch.max(outputs, 1)
            total += labels_batch.size(0)
            correct += (predicted == labels_batch).sum().item()
    return step_losses, epoch_lines, correct, total, numpy_state(net)


def _normalized(images: np.ndarray) -> np.ndarray:
    """What the tutorial's transform gives each image, stacked: ``(n, 1, 28, 28)`` float32."""
    transform = tutorial_transform(numbagrad.transforms)
    return np.stack([transform(image).numpy() for image in images])


def test_seed003_transform_pipeline_maps_to_minus_one_one():
    from numbagrad import transforms

    images, _ = mnist_like_images(8, seed=7)
    transform = tutorial_transform(transforms)
    assert repr(transform) == ("Compose(\n    ToTensor()\n"
                               "    Normalize(mean=(0.5,), std=(0.5,))\n)")
    out = transform(images[0])
    assert out.shape == (1, 28, 28) and out.dtype == numbagrad.float32
    expected = (images.astype(np.float32) / np.float32(255) - np.float32(0.5)) / np.float32(0.5)
    np.testing.assert_allclose(_normalized(images)[:, 0], expected, rtol=1e-6, atol=1e-7)
    assert out.min().item() >= -1.0 and out.max().item() <= 1.0


def test_seed003_transform_pipeline_matches_torch_arithmetic():
    torch = pytest.importorskip("torch")
    images, _ = mnist_like_images(8, seed=8)
    # torchvision's ToTensor: byte tensor -> float, divided by 255; Normalize: (x - m) / s.
    reference = torch.from_numpy(images).unsqueeze(1).float().div(255).sub(0.5).div(0.5)
    np.testing.assert_array_equal(_normalized(images), reference.numpy())


def test_seed003_mnist_mlp_matches_torch_step_by_step():
    images, labels = mnist_like_images(64 * 10, seed=9)
    test_images, test_labels = mnist_like_images(150, seed=10)
    x, x_test = _normalized(images), _normalized(test_images)
    ng_run, t_run = run_both(train_and_evaluate_mnist, mnist_net, x, labels, x_test,
                             test_labels, 2)
    (ng_losses, ng_lines, ng_correct, ng_total, ng_state) = ng_run
    (t_losses, t_lines, t_correct, t_total, t_state) = t_run
    assert len(ng_losses) == 20
    np.testing.assert_allclose(ng_losses, t_losses, rtol=TRAJECTORY_RTOL)
    assert [line.split(",")[0] for line in ng_lines] == ["Epoch 1", "Epoch 2"]
    assert_states_close(ng_state, t_state, TRAJECTORY_RTOL, TRAJECTORY_ATOL)
    assert (ng_correct, ng_total) == (t_correct, t_total)
    assert ng_total == 150 and isinstance(ng_correct, int)


def test_seed003_training_learns_the_bundled_digits():
    pytest.importorskip("sklearn")
    from numbagrad.datasets import load_digits

    torch = numbagrad
    torch.manual_seed(0)
    images, labels = load_digits(train=True)
    test_images, test_labels = load_digits(train=False)
    images, test_images = (images - 0.5) / 0.5, (test_images - 0.5) / 0.5
    state = numpy_state(mnist_net(torch))
    losses, _, correct, total, _ = train_and_evaluate_mnist(
        torch, state, images.numpy(), labels.numpy(), test_images.numpy(), test_labels.numpy(), 1)
    assert np.mean(losses[-5:]) < losses[0]
    assert 100 * correct / total > 70


def test_seed003_dataloader_shuffles_every_sample_once_per_epoch():
    torch = numbagrad
    torch.manual_seed(0)
    dataset = torch.utils.data.TensorDataset(torch.arange(150), torch.tensor(np.arange(150) % 10))
    trainloader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True)
    assert len(trainloader) == 3
    epochs = []
    for _ in range(2):
        seen = []
        for inputs, labels in trainloader:
            assert inputs.shape[0] in (64, 22)
            np.testing.assert_array_equal(labels.numpy(), inputs.numpy() % 10)
            seen.extend(inputs.tolist())
        assert sorted(seen) == list(range(150))
        epochs.append(seen)
    assert epochs[0] != epochs[1] and epochs[0] != list(range(150))


def test_seed003_mnist_dataset_and_loader_from_idx_files(tmp_path):
    from numbagrad import transforms
    from numbagrad.datasets import MNIST

    images, labels = mnist_like_images(70, seed=11)
    for name, array in (("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels)):
        header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
            int(d).to_bytes(4, "big") for d in array.shape)
        (tmp_path / name).write_bytes(header + array.astype(np.uint8).tobytes())
    trainset = MNIST(root=str(tmp_path), download=True, train=True,
                     transform=tutorial_transform(transforms))
    trainloader = numbagrad.utils.data.DataLoader(trainset, batch_size=64, shuffle=False)
    batches = list(trainloader)
    assert [b[0].shape for b in batches] == [(64, 1, 28, 28), (6, 1, 28, 28)]
    assert batches[0][0].dtype == numbagrad.float32 and batches[0][1].dtype == numbagrad.int64
    np.testing.assert_array_equal(batches[0][1].numpy(), labels[:64])
    np.testing.assert_array_equal(batches[0][0].numpy(), _normalized(images[:64]))


def test_seed003_train_eval_and_no_grad():
    torch = numbagrad
    net = torch.nn.Sequential(torch.nn.Linear(784, 16), torch.nn.Dropout(0.5),
                              torch.nn.ReLU(), torch.nn.Linear(16, 10))
    x = torch.randn(8, 784)
    assert all(m.training for m in net.modules())
    net.eval()
    assert not any(m.training for m in net.modules())
    with torch.no_grad():
        outputs = net(x)
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    assert not outputs.requires_grad and outputs.grad_fn is None
    np.testing.assert_array_equal(net(x).detach().numpy(), outputs.numpy())  # no dropout
    values, predicted = torch.max(outputs, 1)
    assert predicted.dtype == torch.int64 and predicted.shape == (8,)
    np.testing.assert_array_equal(values.numpy(), outputs.numpy().max(axis=1))
    np.testing.assert_array_equal(predicted.numpy(), outputs.numpy().argmax(axis=1))
    net.train()
    assert all(m.training for m in net.modules())
    assert net(x).requires_grad
