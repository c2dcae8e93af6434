"""A description for every dbt test shown as a Dagster asset check.

dagster-dbt describes a check only from the test's ``meta.description``, which generic tests
rarely have, so the UI showed "No description provided". The test's own ``description`` (dbt
``data_tests: - name: ... description: ...``) comes first; otherwise the description says in
words what the generic test checks, from its name and arguments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from orchestration import vocabulary


def _ref_name(to: str) -> str:
    m = re.search(r"ref\(\s*['\"]([^'\"]+)['\"]\s*\)", to or "")
    return m.group(1) if m else str(to)


def describe_test(test: Mapping[str, Any]) -> str:
    """What the dbt test node ``test`` (from the manifest) checks, in one or two sentences."""
    own = (test.get("description") or "").strip() or (test.get("meta") or {}).get("description")
    if own:
        text = own
    else:
        metadata = test.get("test_metadata") or {}
        name, kwargs = metadata.get("name"), metadata.get("kwargs") or {}
        column = kwargs.get("column_name") or test.get("column_name")
        if name == "not_null":
            text = f"Every row has a {column}."
        elif name == "unique":
            text = f"No two rows share a {column}."
        elif name == "accepted_values":
            values = ", ".join(str(v) for v in kwargs.get("values", []))
            text = f"{column} is one of: {values}. Failed rows: those with another value."
        elif name == "in_vocabulary":
            seed, field = _ref_name(kwargs.get("to")), kwargs.get("field")
            values = ", ".join(vocabulary.words(seed, field, kwargs.get("used_for")))
            text = (
                f"{column} is a word of the vocabulary seed {seed}: {values}. "
                "Failed rows: those with another value."
            )
        elif name == "relationships":
            text = f"Every {column} is a {kwargs.get('field')} of {_ref_name(kwargs.get('to'))}."
        elif name == "not_less_than":
            text = f"Where both are given, {column} is at least {kwargs.get('other')}."
        elif name == "unique_combination":
            text = f"No two rows share the same ({', '.join(kwargs.get('columns', []))})."
        else:
            text = f"dbt test {test.get('name')}."
    if (test.get("config") or {}).get("severity", "error").lower() == "warn":
        text += " Severity warn: failures are reported and the build goes on."
    return text
