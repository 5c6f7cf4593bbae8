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


def format_seconds(seconds: float) -> str:
    """``75.4`` -> ``"1 min 15 s"``, ``3725`` -> ``"1 h 02 min"``, ``8`` -> ``"8 s"``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class SearchEstimate:
    """Whole-search time estimate from the generations done so far.

    A generation's time is its training (``warmup_epochs`` before the first generation, ``round_epochs`` before each
    later one) plus its scoring (seconds per evaluation times the evaluations it made). Both rates are measured: the
    scoring seconds of each generation are given (the archive records each evaluation's time), the rest of its time
    is training. Until a round has been timed, a round is estimated from the warm-up's rate per epoch.

    Example:
        >>> est = SearchEstimate(n_gen=4, warmup_epochs=12, round_epochs=4)
        >>> est.add(seconds=40.0, score_seconds=16.0, evaluations=8)       # 24 s for 12 epochs, 2 s per evaluation
        >>> est.remaining(evaluations_per_generation=16)                   # 3 x (4 x 2 s + 16 x 2 s)
        120.0
    """

    def __init__(self, n_gen: int, warmup_epochs: float, round_epochs: float, done: int = 0):
        self.n_gen, self.warmup_epochs, self.round_epochs = n_gen, warmup_epochs, round_epochs
        self.done = done  # generations finished before this estimate started (a resumed search)
        self.elapsed = 0.0
        self._warmup: float | None = None  # training seconds of the warm-up
        self._rounds: list[float] = []  # training seconds of each timed round
        self._scoring = [0.0, 0]  # seconds, evaluations
        self._later_evaluations: list[int] = []

    def add(self, seconds: float, score_seconds: float, evaluations: int) -> None:
        """Record one finished generation."""
        train = max(0.0, seconds - score_seconds)
        if self.done == 0:
            self._warmup = train
        else:
            self._rounds.append(train)
        self._scoring[0] += score_seconds
        self._scoring[1] += evaluations
        if self.done > 0:
            self._later_evaluations.append(evaluations)
        self.done += 1
        self.elapsed += seconds

    def remaining(self, evaluations_per_generation: int) -> float | None:
        """Estimated seconds until the last generation is done (None before anything was timed)."""
        left = self.n_gen - self.done
        if left <= 0:
            return 0.0
        if self._rounds:
            per_round = sum(self._rounds) / len(self._rounds)
        elif self._warmup is not None:
            per_round = self._warmup * self.round_epochs / self.warmup_epochs if self.warmup_epochs else self._warmup
        else:
            return None
        n_eval = (sum(self._later_evaluations) / len(self._later_evaluations) if self._later_evaluations
                  else evaluations_per_generation)
        per_eval = self._scoring[0] / self._scoring[1] if self._scoring[1] else 0.0
        return left * (per_round + n_eval * per_eval)

    def line(self, label: str, evaluations_per_generation: int) -> str:
        """``"stage1: generation 2/4 done, 1 min 05 s elapsed, about 2 min 10 s left"``."""
        left = self.remaining(evaluations_per_generation)
        text = f"{label}: generation {self.done}/{self.n_gen} done, {format_seconds(self.elapsed)} elapsed"
        if left is not None and self.done < self.n_gen:
            text += f", about {format_seconds(left)} left"
        return text


def report_line(text: str, enabled: bool = True) -> None:
    """Print a progress line without breaking a tqdm bar on the terminal."""
    if enabled:
        from tqdm.auto import tqdm

        tqdm.write(text)
