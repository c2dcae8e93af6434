-- Every financial year the data mentions (and the years between), as a year-end period and
-- four quarters. Q1 = April-June. period_key: '2019-20' (year) or '2019-20-Q3' (quarter),
-- the quarter keys being the Dagster partition keys.
with mentioned as (
    select financial_year from {{ ref('stg_returns__indicator_values') }}
    union select financial_year from {{ ref('stg_returns__actions') }}
    union select financial_year from {{ ref('stg_returns__risks') }}
    union select financial_year from {{ ref('stg_frameworks__targets') }}
    union select financial_year from {{ ref('stg_lgbf__values') }}
),

years as (
    select unnest(range(
        min({{ fy_start_year('financial_year') }}),
        max({{ fy_start_year('financial_year') }}) + 1
    )) as fy_start_year
    from mentioned
),

periods as (
    select fy_start_year, null::integer as quarter, 'year' as period_type from years
    union all
    select fy_start_year, q as quarter, 'quarter' as period_type
    from years cross join (select unnest([1, 2, 3, 4]) as q)
),

labelled as (
    select
        fy_start_year,
        quarter,
        period_type,
        {{ fy_label('fy_start_year') }} as financial_year,
        {{ fy_label('fy_start_year - 1') }} as previous_financial_year
    from periods
)

-- Keys, labels and dates from macros/periods.sql, the one definition every model uses.
select
    {{ period_key('financial_year', 'quarter') }} as period_key,
    financial_year,
    fy_start_year,
    quarter,
    period_type,
    case when quarter is null then financial_year else 'Q' || quarter || ' ' || financial_year end as label,
    {{ period_start('fy_start_year', 'quarter') }} as start_date,
    {{ period_end('fy_start_year', 'quarter') }} as end_date,
    -- The period before: the previous quarter (Q1 -> last year's Q4) or the previous year.
    case
        when quarter is null then {{ period_key('previous_financial_year', 'null') }}
        when quarter = 1 then {{ period_key('previous_financial_year', '4') }}
        else {{ period_key('financial_year', 'quarter - 1') }}
    end as previous_period_key,
    {{ period_key('previous_financial_year', 'quarter') }} as same_period_last_year_key
from labelled
