"""Coarse-to-fine search of efficient ×2 super-resolution networks on the embedded digits (8x8 -> 16x16): a fairly
trained supernet, then the path, op and width levels; the final front's PSNR against MACs beside the bicubic
baseline."""

import os

from pymoo_gan.report.c2f import plot_quality_vs_macs
from pymoo_gan.runs.coarse_to_fine import C2FSettings, coarse_to_fine

tiny = dict(supernet_steps=5, pop_size=4, n_gen=1, n_eval=32) if os.environ.get("PYMOO_GAN_TINY") else {}
result = coarse_to_fine(C2FSettings(finetune_steps=0 if tiny else 50, **tiny))

print(f"bicubic: PSNR {result.baseline['psnr']:.2f} dB, SSIM {result.baseline['ssim']:.3f}")
for front in result.fronts:
    print(f"{front.level} level: {front.n_evaluated} evaluated, {len(front.archs)} on the front")
final = result.final
for arch, psnr, macs in sorted(zip(final.archs, final.scores["psnr"], final.scores["macs"], strict=True),
                               key=lambda row: row[2]):
    print(f"  {psnr:6.2f} dB  {macs:9.0f} MACs  {arch}")

out = os.environ.get("PYMOO_GAN_EXAMPLE_OUT", ".")
fronts = {f.level: (f.scores["macs"], f.scores["psnr"]) for f in result.fronts}
print("plot:", plot_quality_vs_macs(fronts, os.path.join(out, "c2f_sr_x2.png"), baseline=result.baseline["psnr"],
                                    title="x2 super-resolution of the digits"))
