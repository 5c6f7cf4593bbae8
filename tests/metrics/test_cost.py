"""Parameter and MAC counts are exact on hand-countable modules."""

import pytest
import torch
from torch import nn

from pymoo_gan.metrics import count_macs, count_params


@pytest.mark.parametrize(
    "module,shape,expected",
    [
        (nn.Conv2d(2, 4, 3, padding=1), (1, 2, 8, 8), 8 * 8 * 4 * 2 * 9),
        (nn.Conv2d(3, 6, 3, stride=2), (1, 3, 9, 9), 4 * 4 * 6 * 3 * 9),  # 9x9 -> 4x4
        (nn.Conv2d(8, 8, 3, padding=1, groups=8), (1, 8, 8, 8), 8 * 8 * 8 * 1 * 9),  # depthwise
        (nn.Conv2d(8, 16, 3, padding=1, groups=4), (1, 8, 8, 8), 8 * 8 * 16 * 2 * 9),  # grouped: 2 inputs per output
        (nn.Conv1d(3, 5, 3), (1, 3, 10), 8 * 5 * 3 * 3),
        # Transposed: every input element meets out_channels x kernel weights, at the input's 8x8 resolution.
        (nn.ConvTranspose2d(4, 2, 4, stride=2), (1, 4, 8, 8), 8 * 8 * 4 * 2 * 16),
        (nn.ConvTranspose2d(4, 4, 3, stride=2, groups=2), (1, 4, 5, 5), 5 * 5 * 4 * 2 * 9),
        (nn.Linear(10, 5), (1, 10), 50),
        (nn.Linear(10, 5), (1, 7, 10), 7 * 50),  # applied to every position
    ],
)
def test_single_layers(module, shape, expected):
    assert count_macs(module, torch.zeros(shape)) == expected


def test_per_sample_and_composite():
    net = nn.Sequential(
        nn.Linear(16, 4 * 4 * 8),
        nn.Unflatten(1, (8, 4, 4)),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1),  # 4x4 -> 8x8
        nn.Conv2d(4, 1, 3, padding=1),
        nn.Tanh(),
    )
    expected = 16 * 128 + 4 * 4 * 8 * 4 * 16 + 8 * 8 * 1 * 4 * 9
    assert count_macs(net, torch.zeros(1, 16)) == expected
    assert count_macs(net, torch.zeros(5, 16)) == expected  # reported per sample
    assert count_params(net) == (16 * 128 + 128) + 2 * 8 + (8 * 4 * 16 + 4) + (4 * 9 + 1)


def test_reused_layer_counts_every_call_and_shared_params_once():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(6, 6, bias=False)

        def forward(self, x):
            return self.lin(self.lin(x))

    assert count_macs(Twice(), torch.zeros(2, 6)) == 2 * 36
    shared = nn.Linear(6, 6)
    assert count_params(nn.Sequential(shared, shared)) == 42


def test_batch_norm_state_and_mode_untouched():
    net = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))
    net.train()
    count_macs(net, torch.randn(4, 1, 3, 3) + 5.0)
    assert net.training and net[1].training
    assert torch.equal(net[1].running_mean, torch.zeros(2)) and int(net[1].num_batches_tracked) == 0
    assert not net[0]._forward_hooks


def test_trainable_only():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    net[0].requires_grad_(False)
    assert count_params(net) == 8 + 3
    assert count_params(net, trainable_only=True) == 3
