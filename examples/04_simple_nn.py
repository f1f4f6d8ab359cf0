"""``SimpleNN``: a two-layer network defined by subclassing ``nn.Module``, printed and trained.

The tutorial's first custom model: ``fc1 = nn.Linear(2, 2)``, ReLU, ``fc2 = nn.Linear(2, 1)``.
``print(model)`` shows the layers exactly as PyTorch prints them. The model is then trained as
the tutorial trains it: 10 random samples with 2 features and 1 target, ``nn.MSELoss``, and
``optim.Adam(lr=0.001)`` (``--optimizer sgd`` for ``optim.SGD(lr=0.01)``), with
``model.train()``, ``optimizer.zero_grad()``, ``loss.backward()`` and ``optimizer.step()`` each
epoch, printing every tenth loss; finally ``model.eval()`` and ``torch.no_grad()`` measure the
loss on 5 held-out samples.

Run::

    python examples/04_simple_nn.py
    python examples/04_simple_nn.py --epochs 100 --steps 3 --seed 0 --optimizer adam --device cpu
"""
import argparse

import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.optim as optim


# 定义一个简单的神经网络模型
class SimpleNN(nn.Module):
    def __init__(self):
        super(SimpleNN, self).__init__()
        # 定义一个输入层到隐藏层的全连接层
        self.fc1 = nn.Linear(2, 2)  # 输入 2 个特征，输出 2 个特征
        # 定义一个隐藏层到输出层的全连接层
        self.fc2 = nn.Linear(2, 1)  # 输入 2 个特征，输出 1 个预测值

    def forward(self, x):
        # 前向传播过程
        x = torch.relu(self.fc1(x))  # 使用 ReLU 激活函数
        x = self.fc2(x)  # 输出层
        return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--steps", type=int, default=None, help="stop after this many epochs")
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    # 创建模型实例
    model = SimpleNN().to(device)
    # 打印模型
    print(model)

    criterion = nn.MSELoss()
    if args.optimizer == "sgd":
        optimizer = optim.SGD(model.parameters(), lr=0.01)
    else:
        optimizer = optim.Adam(model.parameters(), lr=0.001)

    # 训练数据示例
    X = torch.randn(10, 2).to(device)  # 10 个样本，每个样本有 2 个特征
    Y = torch.randn(10, 1).to(device)  # 10 个目标标签
    X_test = torch.randn(5, 2).to(device)
    Y_test = torch.randn(5, 1).to(device)

    epochs = args.epochs if args.steps is None else min(args.epochs, args.steps)
    for epoch in range(epochs):  # 训练 epochs 轮
        model.train()  # 设置模型为训练模式
        optimizer.zero_grad()  # 清除梯度
        output = model(X)  # 前向传播
        loss = criterion(output, Y)  # 计算损失
        loss.backward()  # 反向传播
        optimizer.step()  # 更新权重
        if (epoch + 1) % 10 == 0 or epoch + 1 == epochs:  # 每 10 轮输出一次损失
            print(f"Epoch [{epoch + 1}/{epochs}], Loss: {loss.item():.4f}")

    model.eval()  # 设置模型为评估模式
    with torch.no_grad():  # 在评估过程中禁用梯度计算
        output = model(X_test)
        loss = criterion(output, Y_test)
        print(f"Test Loss: {loss.item():.4f}")


if __name__ == "__main__":
    main()
