-- One row per indicator value in a return: council x service x indicator x period, as loaded
-- now (the versions a resubmission replaced are in stg_returns__indicator_value_versions,
-- where the typing and canonicalisation are written).
select * exclude (submitted_at, superseded_at, replaced_at, replaced_by_sha256, is_current)
from {{ ref('stg_returns__indicator_value_versions') }}
where is_current
