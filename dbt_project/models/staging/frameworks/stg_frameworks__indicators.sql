-- Each indicator's settings in the framework in force, one row per version: a row applies
-- from its effective_from up to the day before the next version's (effective_to, exclusive;
-- null for the version in force today). Blank settings take Pentana's defaults, applied here
-- (docs/framework_format.md).
with source as (
    {{ framework_in_force('framework_indicators') }}
),

settings as (
    select
        council,
        service,
        indicator_code,
        title,
        priority_group,
        nullif(report_heading, '') as report_heading,
        -- a PI with no Section prints in the PI summary, the report's main table
        coalesce(nullif(section, ''), 'PI summary') as section,
        cast(print_order as integer) as print_order,
        new_in,
        benchmark,
        unit,
        cast(decimals as integer) as decimals,
        -- the range a returned value may take; a % PI that gives none is 0-100
        coalesce(min_value, case when unit = '%' then {{ var('percent_min_value') }} end) as min_value,
        coalesce(max_value, case when unit = '%' then {{ var('percent_max_value') }} end) as max_value,
        source.gauge,
        gauges.direction,
        goldilocks_lower,
        goldilocks_upper,
        amber_threshold,
        red_threshold,
        coalesce(threshold_type, 'Absolute') as threshold_type,
        coalesce(trend_type, 'Ongoing') as trend_type,
        cast(coalesce(long_trend_periods, {{ var('long_trend_max_periods') }}) as integer) as long_trend_periods,
        coalesce(cumulative, 'No') = 'Yes' as is_cumulative,
        phasings.target_phasing,
        numerator_name,
        denominator_name,
        coalesce(nullif(current_code, ''), indicator_code) as current_code,
        aliases,
        lgbf_code,
        coalesce(effective_from, date '1900-01-01') as effective_from,
        source_ref,
        source_file,
        source_sha256,
        source_sheet,
        source_row,
        loaded_at
    from source
    -- Pentana's words (seeds/pentana_*.csv) as the warehouse's: the gauge as a direction, the
    -- phasing typed (blank: the default phasing) as target_phasing
    left join {{ ref('pentana_gauges') }} as gauges on source.gauge = gauges.gauge
    left join {{ ref('pentana_target_phasings') }} as phasings
        on source.target_phasing = phasings.target_phasing_word
        or (source.target_phasing is null and phasings.is_default)
)

select
    council || '|' || indicator_code || '|' || cast(effective_from as varchar) as indicator_setting_id,
    *,
    lead(effective_from) over (
        partition by council, indicator_code order by effective_from
    ) as effective_to,
    lead(effective_from) over (
        partition by council, indicator_code order by effective_from
    ) is null as is_current,
    -- the seed report lines the setting was transcribed from (file:lines;file:lines)
    source_ref as seed_ref
from settings
