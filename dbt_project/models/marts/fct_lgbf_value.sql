-- Every LGBF publication's values per indicator x council x financial year. Publications
-- are kept side by side because the Improvement Service revises earlier years: the two
-- seed reports print different CHN8a values for the same years.
select
    values_.lgbf_value_id,
    values_.publication_id,
    values_.kind as publication_kind,
    values_.published_on,
    values_.indicator_code,
    values_.council,
    councils.gss_code,
    values_.financial_year,
    values_.value,
    values_.value_real,
    values_.numerator,
    values_.denominator,
    values_.layout,
    values_.code_published,
    values_.source_sheet,
    values_.source_row,
    values_.source_column
from {{ ref('stg_lgbf__values') }} as values_
inner join {{ ref('councils') }} as councils using (council)
