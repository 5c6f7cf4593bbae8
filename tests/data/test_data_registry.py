"""The dataset registry: names, channels, argument checks, and the docstring examples of pymoo_gan.data (the
registry's examples load digits through load_dataset)."""

import doctest

import pytest

from pymoo_gan.data import _common, dataset_channels, dataset_names, image_folder, load_dataset, registry

NEEDS_ROOT = ["cifar10", "stl10", "mnist", "fashion_mnist", "image_folder"]


def test_names_and_channels():
    assert dataset_names() == sorted(["digits", *NEEDS_ROOT])
    assert {n: dataset_channels(n) for n in dataset_names()} == {
        "cifar10": 3, "digits": 1, "fashion_mnist": 1, "image_folder": 3, "mnist": 1, "stl10": 3}


def test_unknown_name_lists_allowed_names():
    for call in (lambda: load_dataset("imagenet"), lambda: dataset_channels("imagenet")):
        with pytest.raises(ValueError, match="allowed: cifar10, digits, fashion_mnist, image_folder, mnist, stl10"):
            call()


@pytest.mark.parametrize("name", dataset_names())
def test_split_is_validated_for_every_dataset(name):
    with pytest.raises(ValueError, match="split='val'.*allowed: train, test, all"):
        load_dataset(name, root="/nonexistent", split="val")


@pytest.mark.parametrize("name", NEEDS_ROOT)
def test_missing_root_is_a_clear_error(name):
    with pytest.raises(ValueError, match=f"dataset '{name}' needs a data root"):
        load_dataset(name)


@pytest.mark.parametrize("module", [registry, image_folder, _common], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
