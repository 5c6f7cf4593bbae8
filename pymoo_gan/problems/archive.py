"""Every evaluation of a search, keyed by genotype and the version of the shared weights it was scored on (and, for
weights an algorithm supplies, their source: a row's ``weights_source``, 0 or absent for the problem's own)."""

from __future__ import annotations

import numpy as np

from pymoo_gan.space.base import genotype_from_key


class EvaluationArchive:
    """Rows of every evaluation, a (genotype key, weights version) index so nothing is scored twice on the same
    weights, and ``key in archive`` for "was this genotype ever evaluated" (used by duplicate elimination)."""

    def __init__(self):
        self.rows: list[dict] = []
        self._index: dict[tuple[str, int, int], int] = {}
        self._keys: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self.rows)

    def lookup(self, key: str, version: int, source: int = 0) -> dict | None:
        i = self._index.get((key, version, source))
        return None if i is None else self.rows[i]

    def at_version(self, version: int) -> list[dict]:
        """The rows scored on weights version ``version``, in evaluation order."""
        return [r for r in self.rows if r["weights_version"] == version]

    def add(self, row: dict) -> dict:
        row = dict(row, eval_id=len(self.rows))
        self._index[(row["genotype"], row["weights_version"], row.get("weights_source", 0))] = row["eval_id"]
        self._keys.add(row["genotype"])
        self.rows.append(row)
        return row

    def table(self):
        """All rows as a pandas DataFrame (one row per evaluation, rescoring included)."""
        import pandas as pd

        return pd.DataFrame(self.rows)

    def genotypes(self) -> list[np.ndarray]:
        return [genotype_from_key(k) for k in sorted(self._keys)]
