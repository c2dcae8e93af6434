-- Every version (stg_returns__action_versions: the rows in force now and those a resubmitted
-- return replaced, with submitted_at / superseded_at) of fct_action_progress; fct_action_progress is its current
-- versions, and a report picks the version known on its date (orchestration/reports/queries.py).
-- Action progress per reporting period. `status` is the action's lifecycle state computed
-- from progress and due date; `reported_status` is what the return said.
{{ config(materialized='incremental', incremental_strategy='replace_window', window_reach=0) }}

with actions as (
    select * from {{ ref('stg_returns__action_versions') }}
    where {{ in_returns_window() }}
),

periods as (
    select period_key, financial_year, quarter, end_date from {{ ref('dim_period') }}
)

select
    actions.action_progress_id,
    actions.council,
    actions.service,
    actions.action_code,
    actions.priority,
    actions.action,
    actions.financial_year,
    actions.quarter,
    actions.period_type,
    periods.period_key,
    actions.due_date,
    actions.progress_pct,
    case
        when actions.progress_pct >= 100 then 'Complete'
        when actions.due_date is not null and actions.due_date < periods.end_date then 'Overdue'
        when actions.progress_pct is null then null
        else 'In Progress'
    end as status,
    actions.reported_status,
    actions.comment,
    actions.source_file,
    actions.source_sheet,
    actions.source_row,
    actions.source_ref,
    actions.submitted_at,
    actions.superseded_at,
    actions.replaced_at,
    actions.is_current
from actions
left join periods
    on periods.financial_year = actions.financial_year
    and periods.quarter is not distinct from actions.quarter
order by council, service, action_code, submitted_at  -- clustered for per-council reads
