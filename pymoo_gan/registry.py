"""The one table of named pieces: search spaces, fixed discriminators, feature extractors, losses and algorithms.

Config validation, the CLI's choices, export, architecture drawings and the contract tests (``tests/test_registry.py``)
read these tables, so a new space, discriminator, extractor, loss or algorithm becomes selectable by name (and tested)
by adding its entry here. The module imports without torch: entries name their objects by ``"module:attribute"``
(:class:`Lazy`), imported when first used.

A space is named after its system; a discriminator space adds ``_discriminator`` (``eagan``, ``autogan``,
``eagan_discriminator``). ``aliases`` are older names that still resolve (export files written before the registry
say ``eagan_generator`` / ``autogan_generator``).

Example:
    >>> from pymoo_gan import registry
    >>> registry.space_names("generator"), tuple(registry.DISCRIMINATORS), tuple(registry.EXTRACTORS)
    (('eagan', 'autogan', 'alphagan'), ('autogan', 'simple'), ('classifier', 'inception', 'ssl', 'clip'))
    >>> entry = registry.space("eagan_generator")             # an alias
    >>> entry.name, entry.kind, entry.space.ref
    ('eagan', 'generator', 'pymoo_gan.space.eagan:EAGANGeneratorSpace')
    >>> entry.space(entry.macro(latent_dim=12, channels=8, bottom_width=2)).n_var
    21
    >>> entry.relaxation.supernet.ref, registry.space("autogan").relaxation is None
    ('pymoo_gan.models.relaxed:RelaxedCellGenerator', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

__all__ = [
    "ALGORITHMS", "DISCRIMINATORS", "EXTRACTORS", "LOSSES", "SPACES", "Entry", "ExtractorEntry", "Lazy", "LossEntry",
    "RelaxationEntry", "SpaceEntry", "algorithm", "arch_types", "discriminator", "extractor", "loss", "space",
    "space_names", "space_of",
]


@dataclass(frozen=True)
class Lazy:
    """A ``"module:attribute"`` reference, imported on first use; calling it calls the attribute, ``obj`` is it.

    Example:
        >>> join = Lazy("os.path:join")
        >>> join("a", "b"), join.obj.__name__
        ('a/b', 'join')
    """

    ref: str

    def __post_init__(self):
        module, sep, attr = self.ref.partition(":")
        if not (module and sep and attr):
            raise ValueError(f"lazy reference {self.ref!r} must look like 'package.module:attribute'")

    @property
    def obj(self):
        module, _, attr = self.ref.partition(":")
        return getattr(import_module(module), attr)

    def __call__(self, *args, **kwargs):
        return self.obj(*args, **kwargs)


_EXTRACT = Lazy("pymoo_gan.models.extract:extract")


@dataclass(frozen=True)
class RelaxationEntry:
    """A space's continuous relaxation for differentiable search (AdversarialNAS, AlphaGAN); fields are :class:`Lazy`.

    Attributes:
        layout: the torch-free :class:`pymoo_gan.space.relaxation.Relaxation` class, ``layout(space)``: weight shapes,
            ``one_hot(arch)``, ``derive(weights)``.
        supernet: ``supernet(macro, generator=torch.Generator)``, a module with ``forward(x, weights)`` whose
            ``.layout`` is ``layout(space(macro))`` and whose ``parameters()`` are weights only.
        extract: ``extract(relaxed, arch)``, the space's standalone network with the relaxed network's weights, equal
            to ``relaxed(x, one_hot(arch))``.
        arch_parameters: ``arch_parameters(layout, generator=None)``, the architecture logits as their own module.
    """

    layout: Lazy
    supernet: Lazy
    extract: Lazy
    arch_parameters: Lazy = Lazy("pymoo_gan.models.relaxed:ArchParameters")


@dataclass(frozen=True)
class SpaceEntry:
    """A search space and what is built from it; every field but ``name``, ``kind`` and ``aliases`` is a :class:`Lazy`.

    Attributes:
        name: the space's name (``SearchConfig.space`` for a generator space, the ``space`` field of export files).
        kind: ``"generator"`` (input: latents ``(N, latent_dim)``), ``"discriminator"`` (input: images) or
            ``"image_to_image"`` (input: images ``(N, in_channels, H, W)``, output ``(N, out_channels, H x scale,
            W x scale)``: paired tasks such as super-resolution).
        space: the torch-free ``SearchSpace`` class, ``space(macro)``.
        macro: the dataclass of the sizes that are not searched.
        arch: the architecture type ``space(macro).decode(x)`` returns.
        supernet: ``supernet(macro, generator=torch.Generator)``, a module with ``forward(x, arch)``.
        build: ``build(arch, generator=None)``, a freshly initialised standalone network with ``.arch``.
        drawing: the :class:`pymoo_gan.report.arch_drawings.Drawing` of ``arch``.
        extract: ``extract(supernet, arch)``, the standalone network with the supernet's weights.
        aliases: older names of the space that :func:`space` still accepts.
        relaxation: the space's :class:`RelaxationEntry` (mixed-op supernet, derivation), ``None`` when it has none.
    """

    name: str
    kind: str
    space: Lazy
    macro: Lazy
    arch: Lazy
    supernet: Lazy
    build: Lazy
    drawing: Lazy
    extract: Lazy = _EXTRACT
    aliases: tuple[str, ...] = ()
    relaxation: RelaxationEntry | None = None


@dataclass(frozen=True)
class Entry:
    """A named factory: a fixed discriminator ``factory(in_channels, channels, resolution, generator=None)`` or an
    algorithm ``factory(pop_size, **kwargs)``."""

    name: str
    factory: Lazy


@dataclass(frozen=True)
class ExtractorEntry:
    """A feature extractor: ``factory(data, metrics, device)`` builds it (a ``FeatureExtractor``) for a
    :class:`~pymoo_gan.data.config.DataConfig` and :class:`~pymoo_gan.evaluation.config.MetricsConfig`;
    ``describe(data, metrics)`` gives ``(name, standard)`` of the scores it will produce without building it;
    ``has_logits``: whether it gives class logits (an Inception / classifier score), known without building it."""

    name: str
    factory: Lazy
    describe: Lazy
    has_logits: bool = True


@dataclass(frozen=True)
class LossEntry:
    """A GAN loss: ``d(real_logits, fake_logits)`` and ``g(fake_logits)``."""

    name: str
    d: Lazy
    g: Lazy


def _table(*entries) -> dict:
    return {e.name: e for e in entries}


SPACES: dict[str, SpaceEntry] = _table(
    SpaceEntry("eagan", "generator", space=Lazy("pymoo_gan.space.eagan:EAGANGeneratorSpace"),
               macro=Lazy("pymoo_gan.space.eagan:GeneratorMacro"), arch=Lazy("pymoo_gan.space.eagan:CellGeneratorArch"),
               supernet=Lazy("pymoo_gan.models.cell_generator:CellGeneratorSupernet"),
               build=Lazy("pymoo_gan.models.cell_generator:build_generator"),
               drawing=Lazy("pymoo_gan.report.arch_drawings:CELL_GENERATOR_DRAWING"), aliases=("eagan_generator",),
               relaxation=RelaxationEntry(layout=Lazy("pymoo_gan.space.relaxation:EAGANGeneratorRelaxation"),
                                          supernet=Lazy("pymoo_gan.models.relaxed:RelaxedCellGenerator"),
                                          extract=Lazy("pymoo_gan.models.relaxed:extract_relaxed"))),
    SpaceEntry("eagan_discriminator", "discriminator", space=Lazy("pymoo_gan.space.eagan:EAGANDiscriminatorSpace"),
               macro=Lazy("pymoo_gan.space.eagan:DiscriminatorMacro"),
               arch=Lazy("pymoo_gan.space.eagan:CellDiscriminatorArch"),
               supernet=Lazy("pymoo_gan.models.discriminators:CellDiscriminatorSupernet"),
               build=Lazy("pymoo_gan.models.discriminators:CellDiscriminator"),
               drawing=Lazy("pymoo_gan.report.arch_drawings:CELL_DISCRIMINATOR_DRAWING"),
               relaxation=RelaxationEntry(layout=Lazy("pymoo_gan.space.relaxation:EAGANDiscriminatorRelaxation"),
                                          supernet=Lazy("pymoo_gan.models.relaxed:RelaxedCellDiscriminator"),
                                          extract=Lazy("pymoo_gan.models.relaxed:extract_relaxed"))),
    SpaceEntry("autogan", "generator", space=Lazy("pymoo_gan.space.autogan:AutoGANGeneratorSpace"),
               macro=Lazy("pymoo_gan.space.eagan:GeneratorMacro"),
               arch=Lazy("pymoo_gan.space.autogan:AutoGANGeneratorArch"),
               supernet=Lazy("pymoo_gan.models.autogan:AutoGANGeneratorSupernet"),
               build=Lazy("pymoo_gan.models.autogan:build_autogan_generator"),
               drawing=Lazy("pymoo_gan.report.arch_drawings:AUTOGAN_GENERATOR_DRAWING"),
               aliases=("autogan_generator",)),
    SpaceEntry("alphagan", "generator", space=Lazy("pymoo_gan.space.alphagan:AlphaGANGeneratorSpace"),
               macro=Lazy("pymoo_gan.space.eagan:GeneratorMacro"),
               arch=Lazy("pymoo_gan.space.alphagan:AlphaGANGeneratorArch"),
               supernet=Lazy("pymoo_gan.models.alphagan:AlphaGANGeneratorSupernet"),
               build=Lazy("pymoo_gan.models.alphagan:build_alphagan_generator"),
               drawing=Lazy("pymoo_gan.report.arch_drawings:ALPHAGAN_GENERATOR_DRAWING"),
               relaxation=RelaxationEntry(layout=Lazy("pymoo_gan.space.relaxation:AlphaGANGeneratorRelaxation"),
                                          supernet=Lazy("pymoo_gan.models.alphagan:RelaxedAlphaGANGenerator"),
                                          extract=Lazy("pymoo_gan.models.relaxed:extract_relaxed"))),
    SpaceEntry("c2f", "image_to_image", space=Lazy("pymoo_gan.space.c2f:C2FSpace"),
               macro=Lazy("pymoo_gan.space.c2f:C2FMacro"), arch=Lazy("pymoo_gan.space.c2f:C2FArch"),
               supernet=Lazy("pymoo_gan.models.c2f:C2FSupernet"), build=Lazy("pymoo_gan.models.c2f:build_c2f"),
               drawing=Lazy("pymoo_gan.report.arch_drawings:C2F_DRAWING"),
               extract=Lazy("pymoo_gan.models.c2f:extract_c2f")),
)

DISCRIMINATORS: dict[str, Entry] = _table(
    Entry("autogan", Lazy("pymoo_gan.models.discriminators:AutoGANDiscriminator")),
    Entry("simple", Lazy("pymoo_gan.models.discriminators:SimpleDiscriminator")),
)

EXTRACTORS: dict[str, ExtractorEntry] = _table(
    ExtractorEntry("classifier", Lazy("pymoo_gan.evaluation.scorer:classifier_extractor"),
                   Lazy("pymoo_gan.evaluation.scorer:classifier_extractor_name")),
    ExtractorEntry("inception", Lazy("pymoo_gan.evaluation.scorer:inception_extractor"),
                   Lazy("pymoo_gan.evaluation.scorer:inception_extractor_name")),
    ExtractorEntry("ssl", Lazy("pymoo_gan.evaluation.scorer:ssl_features_extractor"),
                   Lazy("pymoo_gan.evaluation.scorer:ssl_extractor_name")),
    ExtractorEntry("clip", Lazy("pymoo_gan.evaluation.scorer:clip_extractor"),
                   Lazy("pymoo_gan.evaluation.scorer:clip_extractor_name"), has_logits=False),
)

LOSSES: dict[str, LossEntry] = _table(
    LossEntry("hinge", Lazy("pymoo_gan.training.losses:d_hinge"), Lazy("pymoo_gan.training.losses:g_hinge")),
    LossEntry("non_saturating", Lazy("pymoo_gan.training.losses:d_non_saturating"),
              Lazy("pymoo_gan.training.losses:g_non_saturating")),
)

ALGORITHMS: dict[str, Entry] = _table(
    Entry("nsga2", Lazy("pymoo_gan.algorithms.factories:nsga2")),
    Entry("random_search", Lazy("pymoo_gan.algorithms.factories:random_search")),
    Entry("adversarialnas", Lazy("pymoo_gan.algorithms.adversarialnas:AdversarialNAS")),
    Entry("alphagan", Lazy("pymoo_gan.algorithms.alphagan:AlphaGAN")),
)

_SPACE_ALIASES = {alias: e.name for e in SPACES.values() for alias in e.aliases}


def _lookup(table: dict, name: str, what: str, aliases: dict | None = None):
    if isinstance(name, str):
        name = (aliases or {}).get(name, name)
    if not isinstance(name, str) or name not in table:
        raise ValueError(f"{what}={name!r} is unknown; allowed: {', '.join(table)}")
    return table[name]


def space(name: str) -> SpaceEntry:
    """The space called ``name`` (or an alias); ``ValueError`` lists the names.

    Example:
        >>> space("autogan").supernet.ref
        'pymoo_gan.models.autogan:AutoGANGeneratorSupernet'
    """
    return _lookup(SPACES, name, "space", _SPACE_ALIASES)


def space_names(kind: str | None = None) -> tuple[str, ...]:
    """Names of the spaces (of ``kind``, ``"generator"`` or ``"discriminator"``, when given), in table order."""
    return tuple(n for n, e in SPACES.items() if kind is None or e.kind == kind)


def arch_types() -> tuple[type, ...]:
    """The architecture types of all spaces, in table order (imports the torch-free space modules)."""
    return tuple(e.arch.obj for e in SPACES.values())


def space_of(arch) -> SpaceEntry:
    """The space whose architecture type ``arch`` is; ``TypeError`` names the supported types.

    Example:
        >>> from pymoo_gan.space.presets import get_preset
        >>> space_of(get_preset("autogan_d").arch).name
        'eagan_discriminator'
    """
    for entry in SPACES.values():
        if isinstance(arch, entry.arch.obj):
            return entry
    raise TypeError(f"{type(arch).__name__} is no registered architecture; supported: "
                    f"{', '.join(t.__name__ for t in arch_types())}")


def discriminator(name: str) -> Entry:
    """The fixed discriminator called ``name``; ``ValueError`` lists the names."""
    return _lookup(DISCRIMINATORS, name, "discriminator")


def extractor(name: str) -> ExtractorEntry:
    """The feature extractor called ``name``; ``ValueError`` lists the names."""
    return _lookup(EXTRACTORS, name, "extractor")


def loss(name: str) -> LossEntry:
    """The GAN loss called ``name``; ``ValueError`` lists the names."""
    return _lookup(LOSSES, name, "loss")


def algorithm(name: str) -> Entry:
    """The algorithm factory called ``name``; ``ValueError`` lists the names.

    Example:
        >>> algorithm("nsga2").factory(pop_size=8).pop_size
        8
    """
    return _lookup(ALGORITHMS, name, "algorithm")
