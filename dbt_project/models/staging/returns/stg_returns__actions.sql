-- One row per action per reporting period, as loaded now (every version, with the rows a
-- resubmission replaced: stg_returns__action_versions).
select * exclude (submitted_at, superseded_at, replaced_at, replaced_by_sha256, is_current)
from {{ ref('stg_returns__action_versions') }}
where is_current
