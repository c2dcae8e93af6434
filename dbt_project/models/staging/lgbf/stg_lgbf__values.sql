{{ config(materialized="table") }}
-- (a table, not a view: four marts and their tests read it; computed once per build)
-- The one staging model for both LGBF layouts: the master workbook (layout a) and the
-- open-data CSV (layout b, either naming) normalise here to the same codes (CHN8a), period
-- labels (2017/18; rolling periods as published with a slash, 2016/19), units (percentages
-- in percentage points; the open data publishes proportions) and council names (as the LGBF
-- spells them; 'Scotland' for the national figure). Nothing is dropped: a value the
-- corrections seed excludes carries its reason, a council or indicator the reference does
-- not know is kept with its published name (fct_lgbf_value flags both).
with values_ as (
    select * from {{ source('raw', 'lgbf_values') }}
),

publications as (
    select publication_id, layout, kind, published_on from {{ source('raw', 'lgbf_publications') }}
),

units as (
    -- the LGBF reference first, the councils' frameworks for the rest
    select indicator_code, unit from {{ ref('stg_lgbf__indicators') }}
    union all
    select distinct lgbf_code, unit from {{ ref('stg_frameworks__indicators') }}
    where is_current and lgbf_code is not null and lgbf_code <> ''
        and lgbf_code not in (select indicator_code from {{ ref('stg_lgbf__indicators') }})
),

exclusions as (
    select indicator_code, period_type, first_period, last_period, reason
    from {{ ref('lgbf_corrections') }}
    where correction = 'exclude'
),

normalised as (
    select
        values_.publication_id,
        publications.layout,
        publications.kind,
        publications.published_on,
        {{ lgbf_code('values_.code_published') }} as indicator_code,
        values_.code_published,
        {{ lgbf_period('values_.year_published') }} as period,
        case when {{ lgbf_is_single_year('values_.year_published') }} then 'single_year' else 'rolling' end
            as period_type,
        cast(left(values_.year_published, 4) as integer) as period_start_year,
        {{ lgbf_financial_year('values_.year_published') }} as financial_year,
        values_.year_published,
        case when trim(values_.council_published) = 'Scotland' then 'Scotland' else names.council end
            as council,
        values_.council_published,
        -- proportions (open data) -> percentage points
        case when publications.layout = 'open_data_csv' and units.unit = '%' then 100 else 1 end
            as unit_scale,
        values_.value,
        values_.value_real,
        values_.numerator,
        values_.denominator,
        values_.published_fg_average,
        values_.published_family_group,
        values_.source_sheet,
        values_.source_row,
        values_.source_column
    from values_
    inner join publications using (publication_id)
    left join {{ ref('stg_reference__council_names') }} as names
        on names.name_variant = trim(values_.council_published)
    left join units
        on units.indicator_code = {{ lgbf_code('values_.code_published') }}
    -- (both layouts label every period YYYY-YY; anything else is not a period)
    where regexp_matches(values_.year_published, '^\d{4}-\d{2}$')
),

with_exclusions as (
    select
        normalised.*,
        -- the calendar year the period ends in: 2017-18 -> 2018, 2016-19 -> 2019
        period_start_year
            + (cast(right(year_published, 2) as integer) - period_start_year % 100 + 100) % 100
            as period_end_year,
        (
            select min(exclusions.reason) from exclusions
            where exclusions.indicator_code = normalised.indicator_code
                and (exclusions.period_type is null or exclusions.period_type = normalised.period_type)
                and (exclusions.first_period is null or normalised.period >= exclusions.first_period)
                and (exclusions.last_period is null or normalised.period <= exclusions.last_period)
        ) as exclusion_reason
    from normalised
)

select
    publication_id || '|' || indicator_code || '|' || coalesce(council, council_published) || '|'
        || period as lgbf_value_id,
    publication_id,
    layout,
    kind,
    published_on,
    indicator_code,
    code_published,
    period,
    period_type,
    period_start_year,
    period_end_year,
    financial_year,
    year_published,
    council,
    council_published,
    value * unit_scale as value,
    value_real * unit_scale as value_real,
    numerator,
    denominator,
    published_fg_average * unit_scale as published_fg_average,
    published_family_group,
    exclusion_reason,
    source_sheet,
    source_row,
    source_column
from with_exclusions
