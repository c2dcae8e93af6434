"""The example queries in docs/analysts.md, parsed so the tests run exactly what analysts read."""

from __future__ import annotations

import re

from tests.support.paths import REPO


def example_queries() -> dict[int, str]:
    text = (REPO / "docs" / "analysts.md").read_text(encoding="utf-8")
    found = re.findall(r"\*\*(\d+)\.[^\n]*\n\n```sql\n(.*?)```", text, re.S)
    return {int(n): sql.strip().rstrip(";") for n, sql in found}


def first_command() -> str:
    """The first shell command the page gives (how to open the warehouse)."""
    text = (REPO / "docs" / "analysts.md").read_text(encoding="utf-8")
    return re.search(r"```sh\n(.*?)\n```", text, re.S).group(1).strip()
