"""Progress display for long work (tqdm on a terminal, silent when disabled)."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def progress_bar(total: int, desc: str, enabled: bool = True):
    """A tqdm bar (``update(n)``, ``set_postfix(dict)``) or a silent stand-in when ``enabled`` is False."""
    if enabled:
        from tqdm.auto import tqdm

        with tqdm(total=total, desc=desc, leave=False, dynamic_ncols=True) as bar:
            yield bar
    else:
        yield _Silent()


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, *args, **kwargs) -> None:
        pass
