-- Annual targets as numbers in the indicator's canonical unit ("95%" -> 95, "£15.971m" -> 15.971).
select
    indicator_code,
    financial_year,
    cast(regexp_replace(annual_target_printed, '[£,%m ]', '', 'g') as double) as annual_target,
    annual_target_printed,
    seed_file,
    seed_line
from {{ ref('indicator_targets') }}
