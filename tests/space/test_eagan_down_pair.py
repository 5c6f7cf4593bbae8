"""EAGAN's discriminator down pair: ``down0`` in {none, 6 ops}, ``down1`` in the 6 ops and inactive when ``down0`` is
``none`` (EAGAN's -1 at position 5 forces -1 at position 6), so sampling and mutation switch downsampling on and off at
EAGAN's rates. Tolerances are ~4 standard deviations of the seeded estimates."""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from pymoo_gan.operators import ArchCrossover, ArchDuplicateElimination, ArchMutation, ArchRepair
from pymoo_gan.space import EAGANDiscriminatorSpace
from pymoo_gan.space.eagan import DOWN_OPS
from pymoo_gan.space.presets import PRESETS, get_preset

SPACE = EAGANDiscriminatorSpace()
DOWN0, DOWN1 = np.arange(5, 21, 7), np.arange(6, 21, 7)
AUTOGAN_D = SPACE.encode(get_preset("autogan_d").arch)  # cell 0 downsamples, cells 1 and 2 do not


def problem(space=SPACE):
    return SimpleNamespace(space=space, n_var=space.n_var)


def no_down(X):
    """Which cells (rows x cells) keep their resolution."""
    return np.atleast_2d(X)[:, DOWN0] == 0


def test_gene_layout_mirrors_eagan():
    assert [SPACE.genes[i].name for i in (5, 6)] == ["cell0.down0", "cell0.down1"]
    assert SPACE.genes[5].options == DOWN_OPS and DOWN_OPS[0] == "none"
    assert SPACE.genes[6].options == DOWN_OPS[1:]  # EAGAN's 0..5, no "none"
    # EAGAN rows [3,0,3,0,2,-1,-1] and [3,0,3,0,2,1,5]: down0 is EAGAN's + 1, down1 is EAGAN's
    arch = SPACE.decode([2, 0, 3, 0, 2, 0, 0] + [2, 0, 3, 0, 2, 2, 5] * 2)
    assert arch.cells[0].down == ("none", "none") and arch.cells[1].down == ("max_pool", "dil_conv_5x5")


def test_down1_is_inactive_without_downsampling_and_canonical_genotypes_set_it_to_0():
    x = AUTOGAN_D.copy()
    x[DOWN1[1]] = 3  # cell 1 keeps its resolution: its down1 is a don't-care value
    assert not SPACE.violations(x)  # not a violation (sampling must keep EAGAN's 1/7) ...
    assert not SPACE.contains(x)  # ... but not the canonical genotype of its architecture
    assert SPACE.decode(x) == SPACE.decode(AUTOGAN_D) == get_preset("autogan_d").arch
    assert np.array_equal(SPACE.to_genotype(x), AUTOGAN_D) and np.array_equal(SPACE.repair(x), AUTOGAN_D)
    assert SPACE.key(x) == SPACE.key(AUTOGAN_D)
    assert ArchDuplicateElimination(space=SPACE)._do(
        [SimpleNamespace(X=x, evaluated=False)], [SimpleNamespace(X=AUTOGAN_D)], np.zeros(1, dtype=bool)).all()
    assert np.array_equal(ArchRepair()._do(problem(), x[None], random_state=np.random.default_rng(0))[0], AUTOGAN_D)


def test_mixed_down_pairs_do_not_encode():
    cells = get_preset("autogan_d").arch.cells
    for down in [("none", "avg_pool"), ("avg_pool", "none")]:
        arch = dataclasses.replace(get_preset("autogan_d").arch,
                                   cells=(dataclasses.replace(cells[0], down=down),) + cells[1:])
        with pytest.raises(ValueError, match="cell 0.*both be 'none'"):
            SPACE.encode(arch)


def test_sampling_keeps_a_cell_at_its_resolution_with_probability_one_seventh():
    X = SPACE.sample(np.random.default_rng(0), 7000)  # 21,000 cells
    assert all(SPACE.contains(x) for x in X[:500])
    assert np.all(X[:, DOWN1][no_down(X)] == 0)  # canonical
    assert abs(no_down(X).mean() - 1 / 7) < 0.01  # EAGAN: down0 uniform over -1..5 (today 0.144; old layout 0.027)
    down1 = np.bincount(X[:, DOWN1][~no_down(X)], minlength=6) / (~no_down(X)).sum()
    assert np.all(np.abs(down1 - 1 / 6) < 0.02)  # down1 uniform over the 6 downsampling ops


def test_single_mutations_switch_downsampling_both_ways_from_the_autogan_d():
    """One gene per mutant (``prob_var`` ~ 0): a mutation that picks only the inactive down1 of cell 1 or 2 is
    redrawn, so the changed gene is uniform over the 19 active genes; switching cell 0 off takes down0 -> none (1 of
    its 6 other options), switching cell 1 on any other down0 value. Detailed balance of down0 (uniform over 7
    values) asks for P(off) = P(on) / 6."""
    n = 6000
    Y = ArchMutation(prob_var=1e-9)._do(problem(), np.tile(AUTOGAN_D, (n, 1)), random_state=np.random.default_rng(1))
    off = no_down(Y)[:, 0].mean()  # expected 1/114 = 0.0088 (measured 0.0065; old layout 0)
    on = (~no_down(Y)[:, 1:]).mean()  # per cell, expected 1/19 = 0.053 (measured 0.054; old layout 0.093)
    assert 0.5 / 114 < off < 1.5 / 114
    assert abs(on - 1 / 19) < 0.2 / 19
    assert 1 / 12 < off / on < 1 / 3  # within a factor 2 of detailed balance's 1/6 (measured 0.12; old layout 0)
    assert any(np.array_equal(y, SPACE.encode(get_preset("eagan_d_cifar10").arch)) for y in Y)  # a released D

    # and back: from the AutoGAN D with cell 1 switched on, one mutation restores the AutoGAN D
    on1 = AUTOGAN_D.copy()
    on1[DOWN0[1]] = DOWN_OPS.index("avg_pool")
    assert SPACE.decode(on1).cells[1].down == ("avg_pool", "avg_pool")
    Y = ArchMutation(prob_var=1e-9)._do(problem(), np.tile(on1, (n, 1)), random_state=np.random.default_rng(2))
    back = np.mean([np.array_equal(y, AUTOGAN_D) for y in Y])  # 1/120 = 0.0083: 20 active genes (measured 0.0072)
    assert 0.5 / 120 < back < 1.5 / 120


def test_chained_mutations_reach_one_seventh_non_downsampling_cells():
    """Random-reset mutation keeps down0 uniform over its 7 values: from the AutoGAN D (2/3 of the cells at their
    resolution) the fraction relaxes to 1/7 (measured 0.142 over generations 15-29; old layout 0.005)."""
    rng = np.random.default_rng(3)
    X, fractions = np.tile(AUTOGAN_D, (400, 1)), []
    for _ in range(30):
        X = ArchMutation(prob_var=0.3)._do(problem(), X, random_state=rng)
        fractions.append(no_down(X).mean())
    assert all(SPACE.contains(x) for x in X)
    assert abs(np.mean(fractions[15:]) - 1 / 7) < 0.02


@pytest.mark.parametrize("exchange", ["gene", "cell"])
def test_crossover_children_are_canonical_and_keep_their_parents_down0(exchange):
    rng = np.random.default_rng(4)
    P = SPACE.sample(rng, 2 * 300).reshape(2, 300, -1)
    Y = ArchCrossover(prob=1.0, exchange=exchange)._do(problem(), P, random_state=rng)
    assert all(SPACE.contains(y) for y in Y.reshape(-1, SPACE.n_var))
    # repair no longer touches the down genes: every child's down0 is one of its parents'
    d0, p0 = Y[..., DOWN0], P[..., DOWN0]
    assert np.all((d0 == p0[0]) | (d0 == p0[1]))
    assert np.array_equal(np.sort(d0, axis=0), np.sort(p0, axis=0))  # complementary children
    for y in Y.reshape(-1, SPACE.n_var):
        for cell, off in zip(SPACE.decode(y).cells, no_down(y)[0], strict=True):
            assert (cell.down == ("none", "none")) == off and (off or "none" not in cell.down)


@pytest.mark.parametrize("name", sorted(n for n, p in PRESETS.items() if p.kind == "discriminator"))
def test_discriminator_presets_round_trip(name):
    p = get_preset(name)
    space = EAGANDiscriminatorSpace(p.arch.macro)
    g = space.encode(p.arch)
    assert space.contains(g) and space.decode(g) == p.arch
    assert np.array_equal(g[DOWN0], [1, 0, 0]) and np.array_equal(g[DOWN1], [0, 0, 0])  # avg_pool pair, then none
