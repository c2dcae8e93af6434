-- LGBF publications, newest first by `recency` (official releases before transcriptions
-- from council reports, then by publication date, then by when they were ingested).
select
    *,
    row_number() over (
        order by (kind = 'official') desc, published_on desc, ingested_at desc
    ) as recency
from {{ source('raw', 'lgbf_publications') }}
