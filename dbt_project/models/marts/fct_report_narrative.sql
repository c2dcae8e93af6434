-- The narrative printed at the head of each period's service performance report.
select
    narrative.narrative_paragraph_id,
    narrative.council,
    narrative.service,
    periods.period_key,
    narrative.financial_year,
    narrative.quarter,
    narrative.heading,
    narrative.text,
    narrative.paragraph_order,
    narrative.source_file,
    narrative.source_sheet,
    narrative.source_row,
    narrative.source_ref
from {{ ref('stg_returns__narrative') }} as narrative
left join {{ ref('dim_period') }} as periods
    on periods.financial_year = narrative.financial_year
    and periods.quarter is not distinct from narrative.quarter
order by council, service, period_key, paragraph_order
