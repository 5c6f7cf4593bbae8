"""AlphaGAN (Tian et al., TPAMI 2021) as a pymoo Algorithm: differentiable G search driven by the duality gap.

The search runs on the relaxation of the problem's space, against the problem's fixed discriminator (AlphaGAN:
AutoGAN-D): the default ``"eagan"`` (AdversarialNAS/EAGAN up-cells) or AlphaGAN's own space ``"alphagan"``
(:mod:`pymoo_gan.space.alphagan`: every up, normal and cross-cell skip edge searched, sep-convs among the ops), named by
the problem (``GANSearchProblem(space="alphagan")``, ``[stage1.problem.model] space = "alphagan"``). The published
alphaGAN(l)/(s) generators are the presets ``alphagan_l`` / ``alphagan_s`` of :mod:`pymoo_gan.space.presets`.

Example (the embedded default problem, the (s) step counts; one generation is one search epoch):
    >>> from pymoo.optimize import minimize
    >>> from pymoo_gan import GANSearchProblem
    >>> res = minimize(GANSearchProblem(), AlphaGAN("s"), ("n_gen", 3), seed=1)         # doctest: +SKIP
    >>> res = minimize(GANSearchProblem(space="alphagan"), AlphaGAN("s"), ("n_gen", 3), seed=1)   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from pymoo_gan.algorithms.differentiable import DifferentiableSearch

#: Step counts per epoch of the published variants: ``inner_steps`` D steps on the weight split (a G step every
#: ``n_critic``), ``worst_steps`` steps of each worst-case copy, ``outer_steps`` architecture steps. (l): one pass over
#: CIFAR-10's 25k weight split at batch 64; (s): 20. (The released code runs each ``+ 2``; not reproduced.)
PRESETS: dict[str, dict[str, int]] = {
    "l": dict(inner_steps=390, worst_steps=390, outer_steps=20),
    "s": dict(inner_steps=20, worst_steps=20, outer_steps=20),
}


class AlphaGAN(DifferentiableSearch):
    """Duality-gap differentiable search of G (see :class:`pymoo_gan.training.differentiable.AlphaGANTrainer`).

    D is the problem's fixed discriminator (``config.model.discriminator``, default AutoGAN-D). Weight optimisers,
    batch sizes, loss and EMA are the problem's ``config.train``; the logits use Adam(3e-4, (0.5, 0.999), weight
    decay 1e-3) as released. Fixed relative to the released code: the worst-case G does not update the main EMA, G's
    learning rate does not rise (no cosine schedule), images stay in [-1, 1], no anomaly detection.

    Args:
        preset: ``"l"`` or ``"s"`` (:data:`PRESETS`); ``inner_steps``, ``worst_steps``, ``outer_steps`` override it.
        train_portion: fraction of the images for the weight steps (the rest: architecture steps); AlphaGAN: 0.5.
        worst_lr: learning rate of the worst-case copies (``None``: ``config.train.g_lr``), halved from epoch
            ``worst_lr_halve_epoch`` (AlphaGAN: 30; ``None``: never).
        **kwargs: see :class:`~pymoo_gan.algorithms.differentiable.DifferentiableSearch`.
    """

    def __init__(self, preset: str = "s", pop_size: int = 1, *, inner_steps: int | None = None,
                 worst_steps: int | None = None, outer_steps: int | None = None, train_portion: float = 0.5,
                 worst_lr: float | None = None, worst_lr_halve_epoch: int | None = 30, arch_weight_decay: float = 1e-3,
                 **kwargs: Any):
        if preset not in PRESETS:
            raise ValueError(f"preset={preset!r} is unknown; allowed: {', '.join(PRESETS)}")
        super().__init__(pop_size, arch_weight_decay=arch_weight_decay, **kwargs)
        given = dict(inner_steps=inner_steps, worst_steps=worst_steps, outer_steps=outer_steps)
        self.preset = preset
        self.steps = {**PRESETS[preset], **{k: v for k, v in given.items() if v is not None}}
        self.train_portion, self.worst_lr, self.worst_lr_halve_epoch = train_portion, worst_lr, worst_lr_halve_epoch

    def _make_trainer(self, problem, generator, images, device, seed, init):
        from pymoo_gan.models import build_discriminator
        from pymoo_gan.training.differentiable import AlphaGANTrainer, ArchOptimConfig

        c = problem.config
        discriminator = build_discriminator(c.model.discriminator, in_channels=c.data.channels,
                                            channels=c.model.d_channels, resolution=c.data.resolution, generator=init)
        return AlphaGANTrainer(generator, discriminator, c.train, images, device, seed, **self.steps,
                               arch_optim=ArchOptimConfig(**self.arch_optim), n_critic=self.n_critic,
                               train_portion=self.train_portion, worst_lr=self.worst_lr,
                               worst_lr_halve_epoch=self.worst_lr_halve_epoch, gumbel=self.gumbel, tau=self.tau,
                               progress=self.progress)
