"""Ingest LGBF publications from the landing folder (``raw/lgbf/`` or ``LGBF_LANDING_DIR``).

Each publication file is identified by its sha256: a file already ingested is skipped, a new
one is appended with its own publication id, so every publication's values stay queryable
(the Improvement Service revises earlier years). The metadata and family-group files are read
only when their content differs from what is loaded. So a run with the LGBF files unchanged
reads none of them (it hashes them). With ``LGBF_URL`` set the asset first polls the URL (the
same fetch the sensor uses) so a plain run picks up a new publication.
"""

import dagster as dg

from orchestration import config
from orchestration.defs.resources import Warehouse
from orchestration.fingerprints import sha256_of
from orchestration.lgbf import fetch, parse, store
from orchestration.lgbf.landing import landed_files


@dg.multi_asset(
    specs=[
        dg.AssetSpec(key=["raw", table], group_name="lgbf_ingest", kinds={"python", "duckdb"})
        for table in store.LGBF_TABLES
    ],
    retry_policy=dg.RetryPolicy(max_retries=2, delay=5),
    pool="warehouse",
    description="LGBF publications, indicator metadata and family groups from the landing folder.",
)
def lgbf_publications(context: dg.AssetExecutionContext, warehouse: Warehouse):
    landing = config.lgbf_landing_dir()
    url = config.lgbf_url()
    if url:
        result = fetch.fetch_publication(url, landing)
        context.log.info(f"LGBF_URL {url}: {result.status} ({result.reason})")

    files = landed_files(landing)
    with warehouse.get_connection() as con:
        already = store.known_publications(con)
        loaded = {
            "metadata": store.loaded_reference_sha(con, "lgbf_indicator_metadata"),
            "family_groups": store.loaded_reference_sha(con, "lgbf_family_groups"),
        }
    new_publications, metadata, family_groups = [], None, None
    problems = []
    for landed in files:
        sha = sha256_of(landed.path)
        try:
            if landed.role in loaded and loaded[landed.role] == sha:
                continue  # the same file as loaded: nothing to read
            if landed.role == "metadata":
                metadata = parse.read_metadata(landed.path).assign(
                    source_file=landed.path.name, source_sha256=sha
                )
            elif landed.role == "family_groups":
                family_groups = parse.read_family_groups(landed.path).assign(
                    source_file=landed.path.name, source_sha256=sha
                )
            elif sha not in already and sha not in {p["sha256"] for p in new_publications}:
                pub = parse.read_publication(landed.path)
                new_publications.append(
                    {
                        "publication_id": sha[:12],
                        "source": landed.source,
                        "file_name": landed.path.name,
                        "layout": pub.layout,
                        "cash_published": pub.cash_published,
                        "kind": landed.kind,
                        "sha256": sha,
                        "published_on": landed.published_on,
                        "published_on_basis": landed.published_on_basis,
                        "release_name": landed.release,
                        "retrieved_at": landed.meta.get("retrieved_at"),
                        "etag": landed.meta.get("etag"),
                        "last_modified": landed.meta.get("last_modified"),
                        "values": pub.values,
                    }
                )
        except parse.PublicationError as exc:
            problems.append(str(exc))
    if problems:
        # Nothing is written: the warehouse keeps its last good LGBF data.
        raise dg.Failure(description="\n".join(problems), allow_retries=False)

    with warehouse.get_connection() as con:
        counts = store.write(con, new_publications, metadata, family_groups)
    context.log.info(f"{len(new_publications)} new LGBF publication(s); table rows now {counts}")
    for table in store.LGBF_TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", table],
            metadata={
                "rows": dg.MetadataValue.int(counts[table]),
                "new_publications": dg.MetadataValue.json(
                    [
                        {
                            "id": p["publication_id"],
                            "file": p["file_name"],
                            "rows": len(p["values"]),
                        }
                        for p in new_publications
                    ]
                ),
            },
        )
