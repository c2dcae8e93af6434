-- LGBF indicator metadata with conformed codes, direction and unit. The unit is read from
-- the title (the metadata has no unit column): a title with "%", "percentage" or
-- "proportion" is a percentage (stored in percentage points), "cost"/"£"/"spend" is money.
-- People-services indicators are benchmarked within deprivation family groups, others
-- within population-density family groups.
select
    {{ lgbf_code('code_published') }} as indicator_code,
    code_published,
    title,
    category,
    domain,
    case one_is_high when 'Yes' then 'higher_is_better' when 'No' then 'lower_is_better' end as direction,
    case
        when regexp_matches(lower(title), '%|percent|proportion') then '%'
        when regexp_matches(lower(title), 'cost|£|spend|expenditure') then '£'
        else 'number'
    end as unit,
    case when category = 'People Services' then 'people' else 'other' end as family_group_basis,
    source_file,
    source_sha256
from {{ source('raw', 'lgbf_indicator_metadata') }}
qualify row_number() over (partition by {{ lgbf_code('code_published') }} order by code_published) = 1
