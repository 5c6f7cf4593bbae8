"""Images from a folder or an archive (``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``, ``.tar.xz``, ``.zip``).

An archive is read in place (streamed, never extracted to disk). Layout:

* ``<root>/<class>/.../*.jpg`` -> labels ``0..K-1`` by sorted class-folder name; ``<root>/*.jpg`` -> labels ``-1``.
  Mixing the two raises ``ValueError``.
* If the top level holds ``train/`` and ``test/`` (optionally inside one wrapping folder, as archives often have),
  the splits are those folders (images elsewhere are ignored) and class names are shared between them. Otherwise
  ``"test"`` is a deterministic hold-out of about 10 % of each class (the files with the smallest BLAKE2 hash of
  their relative path; the same files on every machine), ``"train"`` the rest. ``"all"`` is train then test.

Images are decoded with Pillow and converted to RGB (grey images are replicated, alpha is dropped). When every image
of the source (both splits) has three equal channels, e.g. a folder of grayscale photos, the images keep one channel:
``(N, 1, R, R)``; otherwise three. :func:`image_folder_channels` says which without converting the images.
Non-square images are centre-cropped to a square, then resized to the requested resolution.

Bad input: files whose extension is not an image extension (``README.txt``, ``labels.csv``, ...) and hidden files or
folders (``.DS_Store``, ``__MACOSX/``) are skipped silently; a file with an image extension that does not decode, or
images of different sizes, raise a one-line ``ValueError`` naming the file(s); so do a folder without images and a
split without images.

Decoding is slow (tens of thousands of JPEGs), so the decoded uint8 arrays (native size) are cached as ``.npy``, one
per split, under ``<cache dir>/datasets/`` (``cache_dir``, else ``$PYMOO_GAN_CACHE``, else ``~/.cache/pymoo_gan``),
keyed by the absolute path, the split and, for an archive, its size and modification time, for a folder, the
relative path, size and modification time of every image file. A cache miss reads the source once (an archive in one
streamed pass), decodes the images of both splits on a thread pool and caches both, so loading "train" then "test"
decodes once. Files are written atomically; a cache that cannot be written only costs a warning.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> root = Path(tempfile.mkdtemp())
    >>> for cls in ("cat", "dog"):
    ...     (root / cls).mkdir()
    ...     for i in range(10):
    ...         Image.new("RGB", (8, 8), (i, 0, 0)).save(root / cls / f"{i}.png")
    >>> x, y = load_image_folder(root, resolution=16, split="all", cache_dir=tempfile.mkdtemp())
    >>> tuple(x.shape), sorted(set(y.tolist()))
    ((20, 3, 16, 16), [0, 1])
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

import numpy as np
import torch
from PIL import Image

from pymoo_gan.data._common import check_resolution, check_root, check_split, uint8_to_tensor
from pymoo_gan.files import atomic_write, resolve_cache_dir

__all__ = ["ARCHIVE_SUFFIXES", "IMAGE_EXTENSIONS", "image_folder_channels", "load_image_folder"]

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".pgm", ".png", ".ppm", ".tif", ".tiff", ".webp")
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")
TEST_FRACTION = 0.1
_CACHE_VERSION = 1
_CHUNK = 256  # images per thread-pool task

# Images decoded by this process (read by the tests to check that a cached load decodes nothing).
_decoded_images = 0


def load_image_folder(root: str | os.PathLike | None, resolution: int = 32, split: str = "train",
                      cache_dir: str | os.PathLike | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Images of a folder or archive: (N, C, R, R) float32 in [-1, 1] (C = 1 for a grayscale source, else 3) and
    int64 labels (``-1`` when flat).

    See the module docstring for the layouts, the splits, what is skipped and the cache.

    Example:
        >>> x, y = load_image_folder("/data/cifar10-jpeg.tar.gz", resolution=32, split="test")  # doctest: +SKIP
        >>> tuple(x.shape), int(y.max())                                                       # doctest: +SKIP
        ((10000, 3, 32, 32), 9)
    """
    check_split(split, "image_folder")
    resolution = check_resolution(resolution, "image_folder")
    native = _native(root, cache_dir)
    parts = [native.load(s) for s in (("train", "test") if split == "all" else (split,))]
    parts = [p for p in parts if len(p[0])]
    if not parts:
        raise ValueError(f"image_folder: split {split!r} of {native.source.root} has no images (for a folder without "
                         f"train/ and test/, 'test' is a {TEST_FRACTION:.0%} hold-out of each class)")
    if len(parts) == 2 and parts[0][0].shape[1:] != parts[1][0].shape[1:]:  # only possible with a stale cache entry
        raise ValueError(f"image_folder: the train and test images of {native.source.root} differ in size "
                         f"({_size(parts[0][0])} and {_size(parts[1][0])})")
    arrays = [p[0] for p in parts]
    if _grayscale(native):
        arrays = [a[..., :1] for a in arrays]
    images = uint8_to_tensor(arrays, resolution, channels_last=True)
    return images, torch.from_numpy(np.concatenate([p[1] for p in parts]))


def image_folder_channels(root: str | os.PathLike | None, cache_dir: str | os.PathLike | None = None) -> int:
    """1 when every image of the folder or archive (both splits) is grey (three equal channels), else 3. Decodes
    the images on the first call (then cached, see the module docstring).

    Example:
        >>> image_folder_channels("/data/faces")  # doctest: +SKIP
        1
    """
    return 1 if _grayscale(_native(root, cache_dir)) else 3


def _native(root, cache_dir) -> _Native:
    source = _open_source(check_root(root, "image_folder", "a folder or a .tar/.tar.gz/.tgz/.zip archive of images"))
    return _Native(source, resolve_cache_dir(cache_dir) / "datasets")


_GRAYSCALE: dict[tuple[str, str], bool] = {}  # (source, fingerprint) -> verdict, so it is checked once per process


def _grayscale(native: _Native) -> bool:
    """Whether every image of both splits has three equal channels (checked in blocks, stopping at the first
    colour block)."""
    key = (str(native.source.root), native._fingerprint)
    if key not in _GRAYSCALE:
        _GRAYSCALE[key] = _all_grey(native)
    return _GRAYSCALE[key]


def _all_grey(native: _Native) -> bool:
    for split in ("train", "test"):
        images = native.load(split)[0]
        for start in range(0, len(images), 4096):
            block = np.asarray(images[start:start + 4096])
            if block.shape[-1] != 3 or not (np.array_equal(block[..., 0], block[..., 1])
                                            and np.array_equal(block[..., 0], block[..., 2])):
                return False
    return True


def _size(images: np.ndarray) -> str:
    return f"{images.shape[2]}x{images.shape[1]}"


# --------------------------------------------------------------------------------------------------- sources


def _is_image(name: str) -> bool:
    parts = PurePosixPath(name).parts
    hidden = any(p.startswith(".") or p == "__MACOSX" for p in parts)
    return bool(parts) and not hidden and name.lower().endswith(IMAGE_EXTENSIONS)


class _Source:
    """A folder or an archive: a fingerprint, and its image files (relative posix name -> bytes or a path)."""

    def __init__(self, root: Path):
        self.root = root

    def fingerprint(self) -> str:
        raise NotImplementedError

    def images(self) -> dict[str, bytes | Path]:
        raise NotImplementedError


class _FolderSource(_Source):
    def __init__(self, root: Path):
        super().__init__(root)
        self._stats: dict[str, tuple[int, int]] | None = None

    def _scan(self) -> dict[str, tuple[int, int]]:
        if self._stats is None:
            stats = {}
            for folder, dirs, files in os.walk(self.root):
                dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__MACOSX"]
                rel = Path(folder).relative_to(self.root).as_posix()
                for f in files:
                    name = f if rel == "." else f"{rel}/{f}"
                    if _is_image(name):
                        st = os.stat(os.path.join(folder, f))
                        stats[name] = (st.st_size, st.st_mtime_ns)
            self._stats = stats
        return self._stats

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for name, (size, mtime) in sorted(self._scan().items()):
            digest.update(f"{name}\0{size}\0{mtime}\n".encode())
        return digest.hexdigest()

    def images(self) -> dict[str, bytes | Path]:
        return {name: self.root / name for name in self._scan()}  # read by the decoding threads


class _ArchiveSource(_Source):
    def fingerprint(self) -> str:
        st = self.root.stat()
        return f"{st.st_size}:{st.st_mtime_ns}"

    def images(self) -> dict[str, bytes | Path]:
        """The bytes of every image member, in one forward pass (compressed bytes: far smaller than the decoded
        array that is built from them anyway)."""
        found: dict[str, bytes | Path] = {}
        name = None
        try:
            if self.root.name.lower().endswith(".zip"):
                with zipfile.ZipFile(self.root) as archive:
                    for info in archive.infolist():
                        name = _normalise(info.filename)
                        if not info.is_dir() and _is_image(name):
                            found[name] = archive.read(info)
            else:
                with tarfile.open(self.root, mode="r|*") as archive:  # a stream: no seeks
                    for member in archive:
                        name = _normalise(member.name)
                        if member.isfile() and _is_image(name):
                            found[name] = archive.extractfile(member).read()
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error) as err:
            where = f" at {name}" if name else ""
            raise ValueError(f"image_folder: cannot read archive {self.root}{where} ({_one_line(err)})") from None
        return found


def _normalise(name: str) -> str:
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("/", ".")]
    return "/".join(parts)


def _open_source(root: Path) -> _Source:
    if root.is_dir():
        return _FolderSource(root.resolve())
    if not root.exists():
        raise FileNotFoundError(f"image_folder: {root} does not exist (the data root must be a folder or a "
                                f"{'/'.join(ARCHIVE_SUFFIXES)} archive)")
    if not root.name.lower().endswith(ARCHIVE_SUFFIXES):
        raise ValueError(f"image_folder: {root} is neither a folder nor an archive; allowed archives: "
                         f"{', '.join(ARCHIVE_SUFFIXES)}")
    return _ArchiveSource(root.resolve())


# --------------------------------------------------------------------------------------------------- layout


def _plan(names: Sequence[str], root: Path) -> dict[str, tuple[list[str], np.ndarray]]:
    """``{"train": (names, labels), "test": (names, labels)}`` from the sorted names of all images in the source."""
    if not names:
        raise ValueError(f"image_folder: no images in {root} (looked for {', '.join(IMAGE_EXTENSIONS)})")
    prefix = _split_prefix(names)
    if prefix is not None:
        groups = {s: [n for n in names if n.startswith(f"{prefix}{s}/")] for s in ("train", "test")}
        rel = {n: n[len(prefix) + len(s) + 1:] for s, members in groups.items() for n in members}
    else:
        rel = {n: n for n in names}
    flat = [n for n in rel if "/" not in rel[n]]
    nested = [n for n in rel if "/" in rel[n]]
    if flat and nested:
        raise ValueError(f"image_folder: {root} mixes images at the top level ({flat[0]}) with images in class "
                         f"folders ({nested[0]}); use one layout")
    index = {c: i for i, c in enumerate(sorted({rel[n].split("/", 1)[0] for n in nested}))}

    def label(n: str) -> int:
        return index[rel[n].split("/", 1)[0]] if nested else -1

    if prefix is None:
        held_out = _hold_out(names, label)
        groups = {"train": [n for n in names if n not in held_out], "test": [n for n in names if n in held_out]}
    return {s: (members, np.array([label(n) for n in members], dtype=np.int64)) for s, members in groups.items()}


def _split_prefix(names: Sequence[str]) -> str | None:
    """``""`` when the top level has train/ and test/, ``"<folder>/"`` when one wrapping folder has them, else None."""

    def has_splits(prefix: str) -> bool:
        return all(any(n.startswith(f"{prefix}{s}/") for n in names) for s in ("train", "test"))

    if has_splits(""):
        return ""
    tops = {n.split("/", 1)[0] if "/" in n else None for n in names}
    if len(tops) == 1 and None not in tops:
        prefix = f"{tops.pop()}/"
        if has_splits(prefix):
            return prefix
    return None


def _hold_out(names: Sequence[str], label) -> set[str]:
    """About ``TEST_FRACTION`` of each class (at least one image of a class with two or more): smallest hashes."""
    by_class: dict[int, list[str]] = {}
    for n in names:
        by_class.setdefault(label(n), []).append(n)
    held = set()
    for members in by_class.values():
        k = max(1, round(len(members) * TEST_FRACTION)) if len(members) >= 2 else 0
        ranked = sorted(members, key=lambda n: (hashlib.blake2b(n.encode(), digest_size=8).digest(), n))
        held.update(ranked[:k])
    return held


# --------------------------------------------------------------------------------------------------- decode + cache


class _Native:
    """The decoded uint8 images (n, H, W, 3) and labels of each split of a source, cached on disk."""

    def __init__(self, source: _Source, cache: Path):
        self.source, self.cache = source, cache
        self._fingerprint = source.fingerprint()

    def _paths(self, split: str) -> tuple[Path, Path]:
        key = hashlib.sha256(json.dumps([_CACHE_VERSION, str(self.source.root), self._fingerprint, split]).encode())
        stem = self.cache / f"image_folder-{key.hexdigest()[:32]}-{split}"
        return stem.with_suffix(".npy"), stem.with_suffix(".json")

    def _cached(self, split: str) -> tuple[np.ndarray, np.ndarray] | None:
        images_path, meta_path = self._paths(split)
        if not (meta_path.is_file() and images_path.is_file()):
            return None
        try:
            labels = np.asarray(json.loads(meta_path.read_text())["labels"], dtype=np.int64)
            images = np.load(images_path, mmap_mode="r")
        except (OSError, ValueError, KeyError, TypeError):
            return None  # an unreadable entry is rebuilt
        return (images, labels) if images.ndim == 4 and len(images) == len(labels) else None

    def load(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        cached = self._cached(split)
        if cached is not None:
            return cached
        items = self.source.images()
        plan = _plan(sorted(items), self.source.root)
        order = plan["train"][0] + plan["test"][0]  # decoded train then test: each split is a slice, not a copy
        decoded = _decode_all(self.source.root, order, items)
        n_train = len(plan["train"][0])
        result = {}
        for s, (members, labels) in plan.items():
            images = (decoded[:n_train] if s == "train" else decoded[n_train:]) if members else np.empty(
                (0, 1, 1, 3), np.uint8)
            result[s] = (images, labels)
            images_path, meta_path = self._paths(s)
            meta = {"root": str(self.source.root), "split": s, "labels": labels.tolist()}
            try:
                atomic_write(images_path, lambda p, a=images: _save_npy(p, a))
                atomic_write(meta_path, lambda p, m=meta: p.write_text(json.dumps(m)))  # last: marks it complete
            except OSError as err:
                warnings.warn(f"image_folder: could not write the cache in {self.cache} ({_one_line(err)}); the "
                              f"images will be decoded again next time", stacklevel=3)
        return result[split]


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as f:  # a file object: np.save would append ".npy" to a temporary file's name
        np.save(f, array)


def _decode_all(root: Path, names: list[str], items: dict[str, bytes | Path]) -> np.ndarray:
    """Decode ``names`` into one (n, H, W, 3) uint8 array in that order, on a thread pool; all must share a size."""
    global _decoded_images
    chunks = [names[i:i + _CHUNK] for i in range(0, len(names), _CHUNK)]
    out: np.ndarray | None = None
    first = ""
    workers = max(1, min(8, os.cpu_count() or 1, len(chunks)))
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        results = pool.map(lambda chunk: [_decode(root, n, items[n]) for n in chunk], chunks)
        start = 0
        for chunk, arrays in zip(chunks, results, strict=True):
            for name, array in zip(chunk, arrays, strict=True):
                if out is None:
                    first, out = name, np.empty((len(names), *array.shape), dtype=np.uint8)
                elif array.shape != out.shape[1:]:
                    raise ValueError(f"image_folder: images differ in size: {first} is {_size(out[:1])} but {name} "
                                     f"is {_size(array[None])}; all images in {root} must have one size")
                out[start] = array
                start += 1
            _decoded_images += len(chunk)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # on an error, the chunks not yet started are dropped
    return out if out is not None else np.empty((0, 1, 1, 3), dtype=np.uint8)


def _decode(root: Path, name: str, data: bytes | Path) -> np.ndarray:
    try:
        raw = data.read_bytes() if isinstance(data, Path) else data
        with Image.open(io.BytesIO(raw)) as image:
            return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise ValueError(f"image_folder: cannot decode {name} in {root} ({_one_line(err)})") from None


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__
