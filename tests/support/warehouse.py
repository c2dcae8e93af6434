"""The warehouse resource for tests that materialise a few assets on a warehouse of their own."""

from pathlib import Path

from orchestration.defs.resources import Warehouse


def warehouse_at(path: Path, published: Path | None = None) -> Warehouse:
    """The :class:`Warehouse` resource writing ``path`` (publishing beside it by default)."""
    published = published or path.with_name(f"published-{path.name}")
    return Warehouse(database=str(path), published_database=str(published))
