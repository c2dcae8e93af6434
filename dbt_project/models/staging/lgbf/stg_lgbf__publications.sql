-- LGBF publications, best first by `recency`: official releases before transcriptions from
-- council reports, then the later publication date, then the later ingest. `release_name`
-- is the sidecar's, else "LGBF, <Month YYYY> release" from the publication date (the
-- ingest records the same; this covers rows ingested before it did).
select
    publication_id,
    source,
    file_name,
    layout,
    -- does `value` hold cash? (rows ingested before this was recorded: the workbook does)
    coalesce(cash_published, layout = 'master_workbook') as cash_published,
    kind,
    sha256,
    published_on,
    coalesce(published_on_basis, 'sidecar or file modified') as published_on_basis,
    coalesce(release_name, 'LGBF, ' || strftime(published_on, '%B %Y') || ' release') as release_name,
    retrieved_at,
    etag,
    last_modified,
    ingested_at,
    value_rows,
    row_number() over (
        order by (kind = 'official') desc, published_on desc, ingested_at desc
    ) as recency
from {{ source('raw', 'lgbf_publications') }}
