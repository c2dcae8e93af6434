"""Read many return files at once, on every core when there are many (a national backfill).

Workers are spawned (``orchestration/parallel.py`` says why). Rejections come back as data,
because exceptions with custom constructors do not pickle.
"""

from __future__ import annotations

from pathlib import Path

from orchestration import parallel
from orchestration.returns.reader import ParsedReturn, ReturnRejected, read_return

PARALLEL_FROM = 40  # below this many files a process pool costs more than it saves


_CODES = None  # council -> PI codes of its framework in force, set in each worker


def _set_codes(codes) -> None:
    global _CODES
    _CODES = codes


def _read(path: Path, sha256: str | None = None):
    try:
        return read_return(path, sha256=sha256, codes=_CODES), None
    except ReturnRejected as exc:
        return None, (exc.path, exc.problems, exc.more)


class ReaderPool:
    """``with ReaderPool(n_files) as pool: parsed, rejected = pool.read(paths)``"""

    def __init__(self, n_files: int, workers: int | None = None, codes=None):
        """``codes``: council -> the PI codes of its framework in force (see read_return)."""
        workers = workers or parallel.cores()
        _set_codes(codes)
        self._executor = (
            parallel.spawn_pool(workers, initializer=_set_codes, initargs=(codes,))
            if n_files >= PARALLEL_FROM and workers > 1
            else None
        )

    def read(
        self, paths: list[Path], shas: list[str] | None = None
    ) -> tuple[list[ParsedReturn], list[ReturnRejected]]:
        shas = shas or [None] * len(paths)
        if self._executor is not None:
            results = list(self._executor.map(_read, paths, shas, chunksize=16))
        else:
            results = [_read(p, h) for p, h in zip(paths, shas)]
        parsed = [ok for ok, _ in results if ok is not None]
        rejected = [ReturnRejected(*bad) for _, bad in results if bad is not None]
        return parsed, rejected

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(self, *exc) -> None:
        if self._executor is not None:
            self._executor.shutdown()


def read_all(paths: list[Path]) -> tuple[list[ParsedReturn], list[ReturnRejected]]:
    with ReaderPool(len(paths)) as pool:
        return pool.read(paths)
