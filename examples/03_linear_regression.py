"""Linear regression with ``nn.Linear(1, 1)``: gradient descent recovers y = 2x + 1.

The tutorial's gradient-update example: 100 points ``x = linspace(0, 10)`` with targets
``y = 2x + 1 + noise`` (noise of standard deviation 2), a one-input linear layer, the mean
squared error and SGD with learning rate 0.01. Each epoch is one step on all 100 points.

The tutorial trains 100 epochs. The slope settles within a few dozen; the intercept moves more
slowly, because along it the loss is flat (x runs to 10, so the slope dominates the gradient).
The default here is 1000 epochs (about a second), after which the line agrees with the exact
least-squares line of the same noisy points, which the script also prints.

Run::

    python examples/03_linear_regression.py
    python examples/03_linear_regression.py --epochs 100 --steps 3 --seed 0 --device cpu

With the defaults: weight 2.000, bias 1.072 (least squares 2.000 and 1.077; true 2 and 1), the
numbers PyTorch prints for the same program. With ``--epochs 100``, as in the tutorial: weight
2.062, bias 0.665.
"""
import argparse

import numbagrad as torch
import numbagrad.nn as nn


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=None, help="stop after this many epochs")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    # 生成随机数据
    x = torch.linspace(0, 10, 100).reshape(-1, 1)
    y = 2 * x + 1 + torch.randn(100, 1) * 2  # y = 2x + 1 + 噪声
    x, y = x.to(device), y.to(device)

    model = nn.Linear(1, 1).to(device)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

    epochs = args.epochs if args.steps is None else min(args.epochs, args.steps)
    report_every = max(1, epochs // 10)
    for epoch in range(epochs):
        output = model(x)  # 前向传播
        loss = criterion(output, y)  # 计算损失
        optimizer.zero_grad()  # 梯度清零
        loss.backward()  # 反向传播
        optimizer.step()  # 参数更新
        if (epoch + 1) % report_every == 0 or epoch + 1 == epochs:
            print(f"Epoch [{epoch+1}/{epochs}], Loss: {loss.item():.4f}")

    # The line that minimises the same loss exactly: slope cov(x, y) / var(x).
    with torch.no_grad():
        dx, dy = x - x.mean(), y - y.mean()
        best_weight = (dx * dy).sum() / (dx * dx).sum()
        best_bias = y.mean() - best_weight * x.mean()
    print(f"recovered weight: {model.weight.item():.4f} (true 2, least squares "
          f"{best_weight.item():.4f})")
    print(f"recovered bias: {model.bias.item():.4f} (true 1, least squares "
          f"{best_bias.item():.4f})")


if __name__ == "__main__":
    main()
