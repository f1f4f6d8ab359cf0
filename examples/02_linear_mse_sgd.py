"""One training step of ``nn.Linear(20, 60)`` with ``nn.MSELoss`` and ``optim.SGD``, then the loop.

The first program of the tutorials, unchanged except for its import: a linear layer from 20 to
60 features, the mean squared error against random targets, and plain SGD with learning rate
0.01. ``test01`` takes one step and prints the loss; the training loop then repeats the step for
``--epochs`` epochs (the whole batch of 128 samples each time), printing every tenth loss.

Run::

    python examples/02_linear_mse_sgd.py
    python examples/02_linear_mse_sgd.py --epochs 100 --steps 3 --seed 0 --device cpu

The loss falls slowly (random targets cannot be fitted by a linear map): 1.3716121912002563 at
the first step and 1.3360 after 100 epochs with the default seed, every printed digit the same
as torch prints for this program (the same seed draws torch's weights and data).
"""
import argparse

import numbagrad as torch
from numbagrad import nn, optim


def test01(device):
    """The tutorial's function: build, one forward/backward/step, print the loss."""
    # 1. 定义线性层（全连接层）
    model = nn.Linear(20, 60).to(device)  # 输入特征20维，输出60维
    # 2. 定义损失函数（均方误差）
    criterion = nn.MSELoss()
    # 3. 定义优化器（随机梯度下降）
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    # 4. 准备数据
    x = torch.randn(128, 20).to(device)  # 128个样本，每个20维特征
    y = torch.randn(128, 60).to(device)  # 对应的128个标签，每个60维
    y_pred = model(x)  # 5. 前向传播
    loss = criterion(y_pred, y)  # 6. 计算损失
    optimizer.zero_grad()  # 7. 清空梯度缓存
    loss.backward()  # 8. 自动计算梯度
    optimizer.step()  # 9. 根据梯度更新参数
    print(loss.item())  # 打印当前损失值
    return model, criterion, optimizer, x, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100, help="epochs of the training loop")
    parser.add_argument("--steps", type=int, default=None, help="stop the loop after this many")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    print("one step (test01): loss", end=" ")
    model, criterion, optimizer, x, y = test01(device)

    epochs = args.epochs if args.steps is None else min(args.epochs, args.steps)
    for epoch in range(epochs):  # 训练 epochs 轮
        y_pred = model(x)
        loss = criterion(y_pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % 10 == 0:
            print(f"Epoch {epoch}, Loss: {loss.item()}")
    with torch.no_grad():
        print(f"final loss after {epochs} epochs: {criterion(model(x), y).item():.4f}")


if __name__ == "__main__":
    main()
