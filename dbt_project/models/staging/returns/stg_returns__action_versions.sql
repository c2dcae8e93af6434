-- Every version (macros/return_versions.sql) of each row: one row per action per reporting period, as returned.
with source as (
    select * from {{ return_versions('return_actions') }}
)

select
    council || '|' || service || '|' || action_code || '|' || financial_year || '|'
        || case when period = 'year' then 'Year' else 'Q' || file_quarter end as action_progress_id,
    council,
    service,
    financial_year,
    case when period = 'year' then null else file_quarter end as quarter,
    period as period_type,
    action_code,
    priority,
    action,
    due_date,
    progress_pct,
    reported_status,  -- canonicalised by the reader (Completed = Complete, RAG words)
    comment,
    {{ return_version_columns() }}
from source
