-- The one staging model for both LGBF layouts: the master workbook (layout a) and the
-- open-data CSV (layout b) normalise here to the same codes (CHN8a), financial-year labels
-- (2017/18), units (percentages in percentage points; the open data publishes proportions)
-- and council names (as the LGBF spells them; 'Scotland' for the national figure).
with values_ as (
    select * from {{ source('raw', 'lgbf_values') }}
),

publications as (
    select publication_id, layout, kind, published_on from {{ source('raw', 'lgbf_publications') }}
),

units as (
    -- the Improvement Service's metadata first, the project's catalogue for the rest
    select indicator_code, unit, direction from {{ ref('stg_lgbf__indicators') }}
    union all
    select lgbf_code, unit, direction from {{ ref('indicator_catalogue') }}
    where lgbf_code is not null and lgbf_code <> ''
        and lgbf_code not in (select indicator_code from {{ ref('stg_lgbf__indicators') }})
),

normalised as (
    select
        values_.publication_id,
        publications.layout,
        publications.kind,
        publications.published_on,
        {{ lgbf_code('values_.code_published') }} as indicator_code,
        values_.code_published,
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
)

select
    publication_id || '|' || indicator_code || '|' || coalesce(council, council_published) || '|'
        || coalesce(financial_year, year_published) as lgbf_value_id,
    publication_id,
    layout,
    kind,
    published_on,
    indicator_code,
    code_published,
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
    source_sheet,
    source_row,
    source_column
from normalised
where financial_year is not null  -- rolling multi-year periods are not benchmarked
