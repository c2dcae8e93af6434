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
        min(cast(left(financial_year, 4) as integer)),
        max(cast(left(financial_year, 4) as integer)) + 1
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
        fy_start_year || '/' || lpad(cast((fy_start_year + 1) % 100 as varchar), 2, '0') as financial_year,
        fy_start_year || '-' || lpad(cast((fy_start_year + 1) % 100 as varchar), 2, '0') as fy_key
    from periods
)

select
    case when quarter is null then fy_key else fy_key || '-Q' || quarter end as period_key,
    financial_year,
    fy_start_year,
    quarter,
    period_type,
    case when quarter is null then financial_year else 'Q' || quarter || ' ' || financial_year end as label,
    case
        when quarter is null then make_date(fy_start_year, 4, 1)
        else make_date(fy_start_year, 4, 1) + to_months(3 * (quarter - 1))
    end::date as start_date,
    case
        when quarter is null then make_date(fy_start_year + 1, 3, 31)
        else make_date(fy_start_year, 4, 1) + to_months(3 * quarter) - interval 1 day
    end::date as end_date,
    -- The period before: the previous quarter (Q1 -> last year's Q4) or the previous year.
    case
        when quarter is null then (fy_start_year - 1) || '-' || lpad(cast(fy_start_year % 100 as varchar), 2, '0')
        when quarter = 1 then (fy_start_year - 1) || '-' || lpad(cast(fy_start_year % 100 as varchar), 2, '0') || '-Q4'
        else fy_key || '-Q' || (quarter - 1)
    end as previous_period_key,
    (fy_start_year - 1) || '-' || lpad(cast(fy_start_year % 100 as varchar), 2, '0')
        || coalesce('-Q' || quarter, '') as same_period_last_year_key
from labelled
