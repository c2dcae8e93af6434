"""``council-dbt``: dbt, as Dagster runs it, without the version lookup on the internet.

dagster-dbt runs ``<dbt_executable> --version`` before every dbt command, only to tell dbt Core
from dbt Fusion. dbt answers it after loading its whole command line and asking pypi.org for the
newest release: about 2.5 s of every build here, and a call to the internet from every run (an
offline council server waits for the timeout). The installed version is in the package's
metadata, so this command prints it in dbt's own format instead. Every other command is
dbt's own, run in this process exactly as the ``dbt`` script runs it.

``settings.dbt_executable()`` points ``DbtCliResource(dbt_executable=...)`` here; ``dbt
--version`` itself is unchanged for anyone who wants the update check.
"""

from __future__ import annotations

import sys
from importlib import metadata


def version_text() -> str:
    """What ``dbt --version`` prints first, from the installed packages alone."""
    return f"Core:\n  - installed: {metadata.version('dbt-core')}\n"


def main() -> int:
    if sys.argv[1:] == ["--version"]:
        print(version_text())
        return 0
    from dbt.cli.main import cli  # dbt's own entry point (the `dbt` script)

    return cli()


if __name__ == "__main__":
    sys.exit(main())
