-- Every LGBF publication's values per indicator x council x period, as published (after
-- normalisation). Publications are kept side by side because the Improvement Service revises
-- earlier years: the two seed reports print different CHN8a values for the same years.
-- Values the corrections seed excludes, and councils or indicators the reference does not
-- know, are kept here and flagged (never benchmarked; a WARN-severity test lists them).
with indicators as (
    select indicator_code from {{ ref('stg_lgbf__indicators') }}
    union
    select lgbf_code from {{ ref('stg_frameworks__indicators') }} where lgbf_code is not null and lgbf_code <> ''
)

select
    values_.lgbf_value_id,
    values_.publication_id,
    values_.kind as publication_kind,
    values_.published_on,
    values_.indicator_code,
    coalesce(values_.council, values_.council_published) as council,
    councils.gss_code,
    values_.period,
    values_.period_type,
    values_.financial_year,
    values_.value,
    values_.value_real,
    values_.numerator,
    values_.denominator,
    values_.exclusion_reason,
    values_.indicator_code in (select indicator_code from indicators) as is_known_indicator,
    councils.gss_code is not null as is_known_council,
    values_.layout,
    values_.code_published,
    values_.council_published,
    values_.source_sheet,
    values_.source_row,
    values_.source_column
from {{ ref('stg_lgbf__values') }} as values_
left join {{ ref('councils') }} as councils using (council)
where values_.council is distinct from 'Scotland'
