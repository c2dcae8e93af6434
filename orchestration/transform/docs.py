"""``make docs``: generate the dbt docs site for analysts and serve it.

    python -m orchestration.transform.docs [--port 8080] [--generate-only]

Works from any folder: every path is absolute. The catalog (column types, row counts) is read
from a copy of the *published* warehouse, ``output/warehouse.duckdb``, so the site documents
what analysts query, and generating it never waits for, or blocks, a run writing the working
copy. The site is written to ``dbt_project/target/docs/`` and served on
http://127.0.0.1:8080 (``--port`` to change).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration import config


def docs_dir() -> Path:
    return config.dbt_target_dir() / "docs"


def _command(*args: str) -> list[str]:
    return [
        config.dbt_executable(),
        *args,
        "--project-dir",
        str(config.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(config.DBT_PROJECT_DIR),
        "--target-path",
        str(docs_dir()),
    ]


def _dbt(*args: str, env: dict[str, str]) -> None:
    subprocess.run(_command(*args), env=env, check=True)


def generate() -> None:
    published = config.published_warehouse_path()
    if not published.exists():
        sys.exit(f"No published warehouse at {published}: run `make run` first.")
    docs_dir().mkdir(parents=True, exist_ok=True)
    # The copy keeps the file name: dbt-duckdb names the database after it ("warehouse").
    copy = docs_dir() / "warehouse.duckdb"
    shutil.copyfile(published, copy)
    env = {**os.environ, "DUCKDB_PATH": str(copy), "DBT_LOG_PATH": str(docs_dir())}
    try:
        _dbt("docs", "generate", env=env)
    finally:
        copy.unlink(missing_ok=True)
        copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
    print(f"dbt docs written to {docs_dir()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.transform.docs", description=__doc__
    )
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--generate-only", action="store_true", help="write the site, do not serve")
    args = parser.parse_args(argv)
    config.put_venv_on_path()
    generate()
    if not args.generate_only:
        print(f"Serving the dbt docs on http://127.0.0.1:{args.port} (Ctrl-C to stop)")
        # Serving reads the profile too, which names DUCKDB_PATH (the copy the site was
        # generated from; serving opens no database).
        env = {**os.environ, "DUCKDB_PATH": str(docs_dir() / "warehouse.duckdb"),
               "DBT_LOG_PATH": str(docs_dir())}  # fmt: skip
        # This process becomes the server, so Ctrl-C or a SIGTERM stops it (a child server
        # outlived its parent when the parent alone was signalled).
        command = _command(
            "docs", "serve", "--host", "127.0.0.1", "--port", str(args.port), "--no-browser"
        )
        os.execve(command[0], command, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
