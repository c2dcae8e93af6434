-- Every version (macros/return_versions.sql) of each row: one row per risk per reporting period, as returned.
with source as (
    select * from {{ return_versions('return_risks') }}
)

select
    council || '|' || service || '|' || risk_code || '|' || financial_year || '|'
        || case when period = 'year' then 'Year' else 'Q' || file_quarter end as risk_entry_id,
    council,
    service,
    financial_year,
    case when period = 'year' then null else file_quarter end as quarter,
    period as period_type,
    risk_code,
    title,
    identification,
    control_measures,
    risk_score,
    latest_note,
    related_action,
    {{ return_version_columns() }}
from source
