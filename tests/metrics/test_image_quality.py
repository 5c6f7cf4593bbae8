"""PSNR and SSIM: a hand-computed case, the BT.601 luminance, and agreement with torchmetrics (independent code)."""

import math

import pytest
import torch
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

from pymoo_gan.metrics.image_quality import image_quality, psnr, rgb_to_y, ssim, to_255

pytestmark = pytest.mark.usefixtures("single_thread")


def pairs(channels, seed=0, n=4, size=24):
    gen = torch.Generator().manual_seed(seed)
    target = torch.rand(n, channels, size, size, generator=gen) * 2 - 1
    noise = torch.randn(n, channels, size, size, generator=gen) * torch.linspace(0.02, 0.3, n).view(n, 1, 1, 1)
    return (target + noise).clamp(-1, 1), target


def test_psnr_by_hand():
    target = torch.full((2, 1, 4, 4), -1.0)
    pred = target.clone()
    pred[0, 0, 1, 2] = 1.0  # 255 off at one of 16 pixels: MSE = 255^2 / 16
    pred[1] += 0.25  # 31.875 off everywhere: MSE = (255 / 8)^2
    assert psnr(pred, target).tolist() == pytest.approx([10 * math.log10(16), 20 * math.log10(8)], abs=1e-9)
    assert psnr(target, target).tolist() == [math.inf, math.inf]
    assert image_quality(target, target, metrics=("psnr",)) == {"psnr": math.inf}


def test_luminance_is_bt601_studio_swing():
    rgb = torch.tensor([[255.0, 0, 0], [0, 255.0, 0], [0, 0, 255.0]], dtype=torch.float64).view(3, 3, 1, 1)
    assert rgb_to_y(rgb).flatten().tolist() == pytest.approx([16 + 65.481, 16 + 128.553, 16 + 24.966])
    # colour: the score is the luminance's, so a change Y cannot see (equal and opposite in R and a scaled G) is free
    target = torch.zeros(1, 3, 12, 12)
    pred = target.clone()
    pred[:, 0] += 0.1 * 128.553
    pred[:, 1] -= 0.1 * 65.481
    pred = pred / 200
    assert psnr(pred, target).item() > 120 and psnr(pred, target, y_channel=False).item() < 60


@pytest.mark.parametrize("channels, y_channel", [(1, True), (3, True), (3, False)])
@pytest.mark.parametrize("crop_border", [0, 2])
def test_agrees_with_torchmetrics(channels, y_channel, crop_border):
    pred, target = pairs(channels, seed=channels + crop_border)
    a, b = to_255(pred), to_255(target)
    if y_channel and channels == 3:
        a, b = rgb_to_y(a), rgb_to_y(b)
    if crop_border:
        inner = (..., slice(crop_border, -crop_border), slice(crop_border, -crop_border))
        a, b = a[inner], b[inner]
    ref_psnr = peak_signal_noise_ratio(a, b, data_range=255.0, reduction="none", dim=(1, 2, 3))
    # torchmetrics averages its SSIM map over the reflect-padded border too; the standard (Wang et al.'s MATLAB code,
    # scikit-image) averages the windows inside the image: torchmetrics' map, cropped by the window's half-width
    _, ssim_map = structural_similarity_index_measure(a, b, data_range=255.0, reduction="none", return_full_image=True)
    ref_ssim = ssim_map[..., 5:-5, 5:-5].mean(dim=(1, 2, 3))
    ours_psnr = psnr(pred, target, crop_border=crop_border, y_channel=y_channel)
    ours_ssim = ssim(pred, target, crop_border=crop_border, y_channel=y_channel)
    assert torch.allclose(ours_psnr, ref_psnr.double(), rtol=0, atol=1e-5)
    assert torch.allclose(ours_ssim, ref_ssim.double(), rtol=0, atol=1e-6)
    assert len(set(ours_ssim.tolist())) == len(ours_ssim)  # the four noise levels give four different scores
    dataset = image_quality(pred, target, crop_border=crop_border, y_channel=y_channel)
    assert dataset == pytest.approx({"psnr": ref_psnr.double().mean().item(), "ssim": ref_ssim.double().mean().item()})


@pytest.mark.parametrize("call, message", [
    (lambda: psnr(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 9)), r"pred \(1, 1, 8, 8\) and target \(1, 1, 8, 9\)"),
    (lambda: psnr(torch.zeros(8, 8), torch.zeros(8, 8)), r"pred must be a tensor of shape \(N, C, H, W\)"),
    (lambda: psnr(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8), crop_border=4), "leaves nothing of 8x8"),
    (lambda: psnr(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8), crop_border=-1), "non-negative integer"),
    (lambda: psnr(torch.zeros(1, 2, 8, 8), torch.zeros(1, 2, 8, 8)), "2 channels; allowed: 1 or 3"),
    (lambda: ssim(torch.zeros(1, 1, 12, 12), torch.zeros(1, 1, 12, 12), crop_border=1), "at least 11x11"),
    (lambda: image_quality(torch.zeros(1, 1, 12, 12), torch.zeros(1, 1, 12, 12), metrics=("fid",)), "psnr, ssim"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
