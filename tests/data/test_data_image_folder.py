"""Image folders and archives: layouts, splits, skipped files, errors and the decoded-image cache."""

import os
import tarfile
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from pymoo_gan.data import image_folder, load_dataset, load_image_folder


def unit(array):
    return torch.from_numpy(array.astype(np.float32) / 127.5 - 1.0).permute(2, 0, 1)


def decoded():
    return image_folder._decoded_images


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def class_layout(classes=("cat", "dog", "emu"), per_class=10, ext="png"):
    return [f"{c}/{i:02d}.{ext}" for c in classes for i in range(per_class)]


def test_class_folders_values_labels_and_hold_out(tmp_path, write_images, cache):
    root = tmp_path / "pics"
    written = write_images(root, class_layout(per_class=10), size=(8, 8))
    x, y = load_image_folder(root, resolution=8, split="all", cache_dir=cache)
    assert x.shape == (30, 3, 8, 8) and x.dtype == torch.float32 and y.dtype == torch.int64
    train_x, train_y = load_image_folder(root, resolution=8, split="train", cache_dir=cache)
    test_x, test_y = load_image_folder(root, resolution=8, split="test", cache_dir=cache)
    assert (len(train_x), len(test_x)) == (27, 3)  # one of each class's ten images is held out
    assert sorted(test_y.tolist()) == [0, 1, 2]
    assert torch.equal(x, torch.cat([train_x, test_x])) and torch.equal(y, torch.cat([train_y, test_y]))
    # labels follow sorted class names; pixel values are exact (PNG, native size); "all" = train then test
    by_image = {tuple(unit(a).flatten()[:12].tolist()): (rel, a) for rel, a in written.items()}
    for image, label in zip(x, y, strict=True):
        rel, array = by_image[tuple(image.flatten()[:12].tolist())]
        assert torch.equal(image, unit(array)) and ["cat", "dog", "emu"][int(label)] == rel.split("/")[0]


def test_hold_out_is_deterministic_and_per_file(tmp_path, write_images, cache):
    root = tmp_path / "flat"
    write_images(root, [f"{i:03d}.png" for i in range(40)], size=(4, 4))
    first, labels = load_image_folder(root, resolution=4, split="test", cache_dir=cache)
    again, _ = load_image_folder(root, resolution=4, split="test", cache_dir=tmp_path / "other_cache")
    assert len(first) == 4 and torch.equal(first, again) and labels.tolist() == [-1] * 4
    assert len(load_image_folder(root, resolution=4, split="train", cache_dir=cache)[0]) == 36


def test_train_test_folders_and_wrapping_folder(tmp_path, write_images, cache):
    layout = [f"wrap/{s}/{c}/{i}.png" for s, n in (("train", 3), ("test", 2)) for c in ("b", "a") for i in range(n)]
    write_images(tmp_path / "d", layout + ["wrap/extra/z/0.png"], size=(6, 6))
    x, y = load_image_folder(tmp_path / "d", resolution=12, split="train", cache_dir=cache)
    assert x.shape == (6, 3, 12, 12) and y.tolist() == [0, 0, 0, 1, 1, 1]  # "extra/" is ignored
    x, y = load_image_folder(tmp_path / "d" / "wrap", resolution=3, split="test", cache_dir=cache)
    assert x.shape == (4, 3, 3, 3) and y.tolist() == [0, 0, 1, 1]
    assert float(x.min()) >= -1 and float(x.max()) <= 1
    assert len(load_image_folder(tmp_path / "d", resolution=6, split="all", cache_dir=cache)[0]) == 10


def make_archive(source, target):
    if target.name.endswith(".zip"):
        with zipfile.ZipFile(target, "w") as z:
            for path in sorted(source.rglob("*")):
                z.write(path, path.relative_to(source).as_posix())
    else:
        mode = "w:gz" if target.name.endswith((".tar.gz", ".tgz")) else "w"
        with tarfile.open(target, mode) as t:
            t.add(source, arcname=".")
    return target


@pytest.mark.parametrize("name", ["pics.tar.gz", "pics.tgz", "pics.tar", "pics.zip"])
def test_archive_reads_like_the_folder(tmp_path, write_images, cache, name):
    folder = tmp_path / "pics"
    layout = [f"{s}/{c}/{i}.jpg" for s, n in (("train", 4), ("test", 2)) for c in ("plane", "bird") for i in range(n)]
    write_images(folder, layout, size=(8, 8), fmt="jpg")
    (folder / "README.txt").write_text("not an image")
    archive = make_archive(folder, tmp_path / name)
    for split, n in (("train", 8), ("test", 4)):
        from_archive = load_image_folder(archive, resolution=16, split=split, cache_dir=cache)
        from_folder = load_image_folder(folder, resolution=16, split=split, cache_dir=cache)
        assert from_archive[0].shape == (n, 3, 16, 16)
        assert torch.equal(from_archive[0], from_folder[0]) and torch.equal(from_archive[1], from_folder[1])
    assert not (tmp_path / "train").exists()  # nothing extracted


def test_non_images_and_hidden_files_are_skipped(tmp_path, write_images, cache):
    root = tmp_path / "pics"
    write_images(root, ["a/0.png", "a/1.png", "b/0.png", "b/1.png"], size=(4, 4))
    (root / "README.txt").write_text("hello")
    (root / ".DS_Store").write_bytes(b"\0\1")
    (root / "a" / "notes.csv").write_text("x,y")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "junk.png").write_bytes(b"junk")
    (root / "__MACOSX" / "a").mkdir(parents=True)
    (root / "__MACOSX" / "a" / "._0.png").write_bytes(b"junk")
    x, y = load_image_folder(root, resolution=4, split="all", cache_dir=cache)
    assert len(x) == 4 and sorted(y.tolist()) == [0, 0, 1, 1]


def test_crop_to_square_and_rgb_conversion(tmp_path, cache):
    root = tmp_path / "odd"
    root.mkdir()
    wide = np.tile(np.arange(12, dtype=np.uint8)[None, :, None] * 20, (8, 1, 3))  # 8 high, 12 wide
    Image.fromarray(wide).save(root / "rgb.png")
    Image.fromarray(wide[:, :, 0]).save(root / "grey.png")  # mode "L"
    Image.fromarray(np.dstack([wide, np.full((8, 12), 7, np.uint8)])).save(root / "rgba.png")
    x, _ = load_image_folder(root, resolution=8, split="all", cache_dir=cache)
    assert x.shape == (3, 1, 8, 8)  # every image is grey (equal channels), so the folder keeps one channel
    for image in x:
        assert torch.equal(image, unit(wide[:, 2:10])[:1])  # centre crop: columns 2..9


def test_errors_are_one_line_and_name_the_culprit(tmp_path, write_images, cache):
    def error(exc, root, split="all"):
        with pytest.raises(exc) as info:
            load_image_folder(root, resolution=8, split=split, cache_dir=cache)
        assert "\n" not in str(info.value)
        return str(info.value)

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.txt").write_text("no images here")
    assert str(empty) in error(ValueError, empty)
    assert "does not exist" in error(FileNotFoundError, tmp_path / "missing")
    (tmp_path / "data.csv").write_text("1,2")
    assert ".tar.gz" in error(ValueError, tmp_path / "data.csv")
    with pytest.raises(ValueError, match="needs a data root"):
        load_image_folder(None)

    bad = tmp_path / "bad"
    write_images(bad, ["a/0.jpg", "a/1.jpg"], fmt="jpg")
    (bad / "a" / "broken.jpg").write_bytes(b"\xff\xd8 this is not a jpeg")
    assert "broken.jpg" in error(ValueError, bad)

    sizes = tmp_path / "sizes"
    write_images(sizes, ["a/0.png"], size=(8, 8))
    write_images(sizes, ["a/1.png"], size=(9, 8))
    message = error(ValueError, sizes)
    assert "a/0.png is 8x8" in message and "a/1.png is 9x8" in message

    mixed = tmp_path / "mixed"
    write_images(mixed, ["top.png", "cls/0.png"])
    assert "top.png" in error(ValueError, mixed) and "cls/0.png" in error(ValueError, mixed)

    single = tmp_path / "single"
    write_images(single, ["only.png"])
    assert "'test'" in error(ValueError, single, split="test")
    assert len(load_image_folder(single, resolution=8, split="train", cache_dir=cache)[0]) == 1

    with pytest.raises(ValueError, match="allowed: train, test, all"):
        load_image_folder(single, split="val")
    with pytest.raises(ValueError, match="positive integer"):
        load_image_folder(single, resolution=0)


def test_cache_skips_decoding_and_follows_changes(tmp_path, write_images, cache):
    root = tmp_path / "pics"
    write_images(root, class_layout(per_class=5), size=(8, 8))
    start = decoded()
    first = load_image_folder(root, resolution=8, split="train", cache_dir=cache)
    assert decoded() - start == 15  # a miss decodes every image once and caches both splits
    entries = sorted((cache / "datasets").glob("*.npy"))
    assert len(entries) == 2 and len(first[0]) == 12
    stamps = [e.stat().st_mtime_ns for e in entries]
    second = load_image_folder(root, resolution=16, split="train", cache_dir=cache)  # any resolution: native cache
    test = load_image_folder(root, resolution=8, split="test", cache_dir=cache)
    assert decoded() - start == 15 and [e.stat().st_mtime_ns for e in entries] == stamps
    assert torch.equal(first[1], second[1]) and second[0].shape == (12, 3, 16, 16) and len(test[0]) == 3
    # editing an image changes the key: decoded again, with the new pixels
    target = root / "cat" / "01.png"
    Image.new("RGB", (8, 8), (255, 255, 255)).save(target)
    os.utime(target, ns=(stamps[0] + 10**9, stamps[0] + 10**9))
    third, _ = load_image_folder(root, resolution=8, split="all", cache_dir=cache)
    assert decoded() - start == 30 and any(torch.equal(image, torch.ones(3, 8, 8)) for image in third)


def test_cache_dir_defaults_to_env_and_registry_passes_it(tmp_path, write_images, monkeypatch):
    root = tmp_path / "pics"
    write_images(root, class_layout(per_class=3), size=(4, 4))
    monkeypatch.setenv("PYMOO_GAN_CACHE", str(tmp_path / "env_cache"))
    x, _ = load_dataset("image_folder", root=root, resolution=4, split="all")
    assert x.shape == (9, 3, 4, 4) and len(list((tmp_path / "env_cache" / "datasets").glob("*.npy"))) == 2
    load_dataset("image_folder", root=root, resolution=4, split="test", cache_dir=tmp_path / "explicit")
    assert len(list((tmp_path / "explicit" / "datasets").glob("*.npy"))) == 2
