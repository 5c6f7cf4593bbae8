"""The coarse-to-fine space: gene layout, canonical genotypes, and the exact hand-over between its three levels."""

import itertools

import numpy as np
import pytest

from pymoo_gan.space.c2f import C2FArch, C2FBlock, C2FLevelSpace, C2FMacro, C2FSpace

MACRO = C2FMacro(n_blocks=3, channels=8, ops=("conv3x3", "dwsep3x3", "dilated3x3"), widths=(0.25, 0.5, 1.0))


def all_genotypes(space):
    return [np.array(g) for g in itertools.product(*[range(gene.size) for gene in space.genes])]


def test_gene_layout_and_kinds():
    space = C2FSpace(MACRO)
    assert space.names == [f"block{i}.{k}" for i in range(3) for k in ("path", "op", "width")]
    assert space.xu.tolist() == [1, 2, 2] * 3
    assert [g.ordinal for g in space.genes[:3]] == [False, False, True]  # op is categorical, width ordinal
    assert [idx.tolist() for idx in space.gene_groups()] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_one_canonical_genotype_per_architecture():
    space = C2FSpace(MACRO)
    archs = {space.decode(g) for g in all_genotypes(space)}
    assert len(archs) == (1 + 3 * 3) ** 3  # per block: skipped, or one of 3 ops x 3 widths
    canonical = {space.key(g) for g in all_genotypes(space)}
    assert len(canonical) == len(archs)
    for g in space.sample(np.random.default_rng(0), 30):
        arch = space.decode(g)
        assert space.contains(g) and np.array_equal(space.encode(arch), g)
        assert all((b is None) == (arch.blocks[i] is None) for i, b in enumerate(arch.blocks))
    skipped = np.array([1, 2, 1, 0, 0, 0, 0, 1, 2])
    assert not space.contains(skipped) and space.to_genotype(skipped).tolist() == [1, 0, 0, 0, 0, 0, 0, 1, 2]


def reachable(level_space):
    return {level_space.decode(g) for g in all_genotypes(level_space)}


def test_levels_hand_over_exactly():
    space = C2FSpace(MACRO)
    paths = C2FLevelSpace(space, "path")
    assert paths.names == ["block0.path", "block1.path", "block2.path"]
    level1 = reachable(paths)
    assert len(level1) == 2 ** 3
    assert all(b is None or b == C2FBlock("conv3x3", 1.0) for a in level1 for b in a.blocks)  # default op, full width

    chosen1 = sorted(level1, key=str)[:4]  # "the previous level's Pareto set"
    ops = C2FLevelSpace(space, "op", bases=chosen1)
    assert ops.names[0] == "base" and ops.xu[0] == 3
    level2 = reachable(ops)
    # exactly each base with any ops on its kept blocks: nothing else, nothing missing
    assert len(level2) == sum(3 ** len(b.kept) for b in chosen1)
    for arch in level2:
        base = ops.base_of(ops.encode(arch))
        assert arch.kept == base.kept and [arch.blocks[i].width for i in arch.kept] == [1.0] * len(arch.kept)
    for k, base in enumerate(chosen1):  # each base is in the next level, chosen by its own index
        g = ops.encode(base)
        assert g[0] == k and ops.contains(g) and ops.decode(g) == base
        assert np.array_equal(ops.lift(g), space.encode(base))

    chosen2 = sorted(level2, key=str)[::7]
    widths = C2FLevelSpace(space, "width", bases=chosen2)
    level3 = reachable(widths)
    assert len(level3) == sum(3 ** len(b.kept) for b in chosen2)
    for arch in level3:
        base = widths.base_of(widths.encode(arch))
        assert arch.kept == base.kept and [arch.blocks[i].op for i in arch.kept] == [base.blocks[i].op
                                                                                     for i in base.kept]
    assert all(widths.decode(widths.encode(b)) == b for b in chosen2)


def test_canonical_level_genotypes_zero_the_skipped_blocks():
    space = C2FSpace(MACRO)
    base = space.decode([0, 1, 2, 1, 0, 0, 0, 0, 0])  # block 1 skipped
    ops = C2FLevelSpace(space, "op", bases=[base, base])  # repeats are dropped: no base gene
    assert ops.names == ["block0.op", "block1.op", "block2.op"]
    assert ops.to_genotype([2, 2, 1]).tolist() == [2, 0, 1] and not ops.contains([2, 2, 1])
    assert {ops.key(g) for g in all_genotypes(ops)} == {ops.key(ops.encode(a)) for a in reachable(ops)}


def test_path_level_keeps_a_bases_choices_on_its_kept_blocks():
    space = C2FSpace(MACRO)
    base = space.decode([0, 1, 0, 1, 0, 0, 0, 2, 1])  # dwsep3x3@0.25 | skip | dilated3x3@0.5
    paths = C2FLevelSpace(space, "path", bases=[base])
    assert str(paths.decode([0, 0, 1])) == "dwsep3x3@0.25 | conv3x3@1 | skip"


@pytest.mark.parametrize("call, message", [
    (lambda: C2FMacro(scale=3), "scale=3 is not allowed; allowed: 1, 2, 4"),
    (lambda: C2FMacro(ops=("conv3x3", "maxpool")), "must be distinct names from: conv3x3, dwsep3x3"),
    (lambda: C2FMacro(widths=(0.5, 0.25)), "strictly increasing ratios in"),
    (lambda: C2FMacro(channels=2, widths=(0.1, 1.0)), r"widths \[0.1\] give no channel of 2"),
    (lambda: C2FMacro(n_blocks=0), "n_blocks=0 must be a positive integer"),
    (lambda: C2FArch((None,), MACRO), "has 1 blocks; its macro has n_blocks=3"),
    (lambda: C2FArch((C2FBlock("conv5x5", 1.0), None, None), MACRO), "op='conv5x5' is not allowed"),
    (lambda: C2FLevelSpace(C2FSpace(MACRO), "depth"), "level='depth' is unknown; allowed: path, op, width"),
    (lambda: C2FLevelSpace(C2FSpace(MACRO), "op", bases=[]), "at least one base"),
    (lambda: C2FLevelSpace(C2FSpace(MACRO), "op").encode(C2FSpace(MACRO).decode([1] * 9)), "not in the op level"),
    (lambda: C2FSpace(MACRO).decode([0, 3, 0] * 3), r"gene 1 \(block0.op\) = 3 is out of range; allowed: 0..2"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
