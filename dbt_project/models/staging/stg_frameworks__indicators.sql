-- Each indicator's settings in the framework in force, one row per version: a row applies
-- from its effective_from up to the day before the next version's (effective_to, exclusive;
-- null for the version in force today). Blank settings take Pentana's defaults
-- (orchestration/frameworks/format.py, docs/framework_format.md).
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
        section,
        cast(print_order as integer) as print_order,
        new_in,
        benchmark,
        unit,
        cast(decimals as integer) as decimals,
        gauge,
        case gauge
            when 'Aim to Maximise' then 'higher_is_better'
            when 'Aim to Minimise' then 'lower_is_better'
            when 'Goldilocks' then 'goldilocks'
            when 'Data Only' then 'data_only'
        end as direction,
        goldilocks_lower,
        goldilocks_upper,
        amber_threshold,
        red_threshold,
        coalesce(threshold_type, 'Absolute') as threshold_type,
        coalesce(trend_type, 'Ongoing') as trend_type,
        cast(coalesce(long_trend_periods, 4) as integer) as long_trend_periods,
        coalesce(cumulative, 'No') = 'Yes' as is_cumulative,
        case coalesce(target_phasing, 'Flat')
            when 'Flat' then 'flat'
            when 'Pro rata' then 'pro_rata'
            when 'Quarterly profile' then 'profile'
        end as target_phasing,
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
