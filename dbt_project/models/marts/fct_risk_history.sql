-- Every version (stg_returns__risk_versions: the rows in force now and those a resubmitted
-- return replaced, with submitted_at / superseded_at) of fct_risk; fct_risk is its current
-- versions, and a report picks the version known on its date (orchestration/reports/queries.py).
-- Service risk register entries per period with the score band.
-- Bands on the 5x5 likelihood x impact matrix: 1-4 Low, 5-12 Medium, 15-25 High. The 2019/20
-- report says "There are no High Risks within the Childrens Service" while printing scores
-- of 12 and 9, so 12 must sit below High.
{{ config(materialized='incremental', incremental_strategy='replace_window', window_reach=0) }}

with risks as (
    select * from {{ ref('stg_returns__risk_versions') }}
    where {{ in_returns_window() }}
),

periods as (
    select period_key, financial_year, quarter from {{ ref('dim_period') }}
)

select
    risks.risk_entry_id,
    risks.council,
    risks.service,
    risks.risk_code,
    risks.title,
    risks.financial_year,
    risks.quarter,
    risks.period_type,
    periods.period_key,
    risks.risk_score,
    case
        when risks.risk_score is null then null
        when risks.risk_score <= 4 then 'Low'
        when risks.risk_score <= 12 then 'Medium'
        else 'High'
    end as score_band,
    risks.identification,
    risks.control_measures,
    risks.related_action,
    risks.latest_note,
    risks.source_file,
    risks.source_sheet,
    risks.source_row,
    risks.source_ref,
    risks.submitted_at,
    risks.superseded_at,
    risks.replaced_at,
    risks.is_current
from risks
left join periods
    on periods.financial_year = risks.financial_year
    and periods.quarter is not distinct from risks.quarter
order by council, service, risk_code, submitted_at  -- clustered for per-council reads
