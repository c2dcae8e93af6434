-- Derived indicator "% of service PIs on target", computed from the statuses of the
-- service's own PIs in each period, beside the value the return reported for
-- CS.CORP.PIS_ON_TARGET. Service PIs are every indicator of the service except the
-- corporate-health summary (section 'PI summary') and LGBF indicators, as the 2019/20
-- report's title says "(does not include Corporate PIs)". Data Only PIs are not counted.
{{ config(materialized='incremental', incremental_strategy='replace_window', window_reach=0) }}

with statuses as (
    select fct.council, fct.service, fct.financial_year, fct.quarter, fct.period_key, fct.status
    from {{ ref('fct_indicator_value') }} as fct
    inner join {{ ref('dim_indicator') }} as ind using (council, service, indicator_code)
    where ind.section not in ('PI summary', 'LGBF')
        and {{ in_returns_window('fct.financial_year') }}
        and fct.status in (select status from {{ ref('pentana_statuses') }} where is_judged)
),

derived as (
    select
        council,
        service,
        financial_year,
        quarter,
        period_key,
        count(*) filter (where status = 'On Target') as pis_on_target,
        count(*) as pis_with_target,
        round(100.0 * count(*) filter (where status = 'On Target') / count(*), 2) as pct_on_target
    from statuses
    group by all
),

reported as (
    select council, service, period_key, indicator_code as reported_indicator_code,
        value as reported_pct_on_target, numerator as reported_on_target,
        denominator as reported_pis
    from {{ ref('fct_indicator_value') }}
    where indicator_code = 'CS.CORP.PIS_ON_TARGET'
        and {{ in_returns_window() }}
)

select
    derived.*,
    reported.reported_indicator_code,
    reported.reported_pct_on_target,
    reported.reported_on_target,
    reported.reported_pis
from derived
left join reported using (council, service, period_key)
