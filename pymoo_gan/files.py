"""Files: the cache directory, atomic writes and content hashes (torch-free; every layer may use them).

The cache directory is the ``cache_dir`` argument when given, else ``$PYMOO_GAN_CACHE``, else ``~/.cache/pymoo_gan``.
Every file is written to a temporary file in the same directory and moved into place with ``os.replace``, so a reader
never sees a half-written file and concurrent writers of the same entry leave one complete copy.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "default_cache_dir", "resolve_cache_dir", "sha256_file"]


def default_cache_dir() -> Path:
    """Return ``$PYMOO_GAN_CACHE`` if set, else ``~/.cache/pymoo_gan``.

    Example:
        >>> default_cache_dir().name in ("pymoo_gan", Path(os.environ.get("PYMOO_GAN_CACHE", "pymoo_gan")).name)
        True
    """
    env = os.environ.get("PYMOO_GAN_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "pymoo_gan"


def resolve_cache_dir(cache_dir: str | os.PathLike | None) -> Path:
    """Return ``cache_dir`` as a :class:`~pathlib.Path`, or :func:`default_cache_dir` when it is ``None``."""
    return default_cache_dir() if cache_dir is None else Path(cache_dir).expanduser()


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then move it to ``path`` with ``os.replace``.

    Example:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "a" / "b.txt"
        >>> atomic_write(target, lambda p: p.write_text("hi")).read_text()
        'hi'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes (what ``sha256sum`` prints)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
