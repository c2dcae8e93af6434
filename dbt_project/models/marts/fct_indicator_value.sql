-- Indicator values with computed status and trends: grain council x service x indicator x period.
--
-- This model is the ONE place where the performance system's rules live (documented with
-- seed examples in docs/status_logic.md):
--   status       Data Only  - the indicator is data only, or has no target for the year
--                On Target  - meets the (period) target, direction-aware; equal counts as met
--                Warning    - misses it by no more than the indicator's warning_tolerance
--                Off Target - otherwise
--   period_target  = annual target x quarter / 4 for pro-rata (cumulative) measures in a
--                    quarter, else the annual target
--   short_trend  vs the previous period (cumulative quarters: the same quarter last year)
--   long_trend   vs the average of the previous four comparable periods (>= 2 present)
--   computed_value = numerator / denominator (x 100 for % indicators); feeder_check says
--                    whether the returned value agrees with it within rounding
--
-- Incremental by financial year (macros/returns_window.sql): a changed year's rows, and the
-- four later years whose trends compare with it, are recomputed from the changed years and
-- the four years before them.
{{ config(materialized='incremental', incremental_strategy='replace_window', window_reach=4) }}

with values_ as (
    select * from {{ ref('stg_returns__indicator_values') }}
    where {{ in_returns_window(lookback=4, reach=4) }}
),

indicators as (
    select * from {{ ref('dim_indicator') }}
),

targets as (
    select indicator_code, financial_year, annual_target from {{ ref('stg_reference__indicator_targets') }}
),

base as (
    select
        values_.*,
        indicators.current_code,
        indicators.unit,
        indicators.direction,
        indicators.is_cumulative,
        indicators.target_phasing,
        indicators.warning_tolerance,
        cast(left(values_.financial_year, 4) as integer) as fy_start_year,
        -- A running number per period type, so "previous" is simple arithmetic:
        -- quarters count 4 a year, years 1 a year.
        case
            when values_.period_type = 'quarter'
                then cast(left(values_.financial_year, 4) as integer) * 4 + values_.quarter - 1
            else cast(left(values_.financial_year, 4) as integer)
        end as period_ordinal,
        targets.annual_target as target,
        case
            when targets.annual_target is null then null
            when indicators.target_phasing = 'pro_rata' and values_.period_type = 'quarter'
                then targets.annual_target * values_.quarter / 4.0
            else targets.annual_target
        end as period_target
    from values_
    inner join indicators using (indicator_code)
    left join targets
        on targets.indicator_code = values_.indicator_code
        and targets.financial_year = values_.financial_year
),

-- The comparison periods for the trends, as offsets of period_ordinal.
-- Cumulative quarters compare with the same quarter of earlier years (steps of 4), other
-- quarters with the preceding quarters, years with the preceding years.
comparisons as (
    select
        base.indicator_value_id,
        step,
        base.period_ordinal - step * case when base.period_type = 'quarter' and base.is_cumulative then 4 else 1 end
            as compare_ordinal
    from base cross join (select unnest([1, 2, 3, 4]) as step)
),

-- Renamed codes (BS.CS.04 -> BS.CSPC.04) share a history through current_code.
history as (
    select council, service, current_code, period_type, period_ordinal, {{ exact_avg("value") }} as value
    from base
    where value is not null
    group by all
),

trend_inputs as (
    select
        base.indicator_value_id,
        max(history.value) filter (where comparisons.step = 1) as previous_value,
        {{ exact_avg("history.value") }} as long_term_average,
        count(history.value) as long_term_periods
    from base
    inner join comparisons using (indicator_value_id)
    left join history
        on history.council = base.council
        and history.service is not distinct from base.service
        and history.current_code = base.current_code
        and history.period_type = base.period_type
        and history.period_ordinal = comparisons.compare_ordinal
    group by base.indicator_value_id
),

judged as (
    select
        base.*,
        trend_inputs.previous_value,
        case when trend_inputs.long_term_periods >= 2 then trend_inputs.long_term_average end
            as long_term_average,
        case
            when base.value is null then null
            when base.direction = 'data_only' or base.period_target is null then 'Data Only'
            when (base.direction = 'higher_is_better' and round(base.value, 6) >= round(base.period_target, 6))
                or (base.direction = 'lower_is_better' and round(base.value, 6) <= round(base.period_target, 6))
                then 'On Target'
            when base.warning_tolerance is not null
                and ((base.direction = 'higher_is_better' and base.value >= base.period_target - base.warning_tolerance)
                    or (base.direction = 'lower_is_better' and base.value <= base.period_target + base.warning_tolerance))
                then 'Warning'
            else 'Off Target'
        end as status,
        case
            when base.numerator is null or base.denominator is null then null
            when base.denominator = 0 then null
            else base.numerator / base.denominator * case when base.unit = '%' then 100 else 1 end
        end as computed_value
    from base
    inner join trend_inputs using (indicator_value_id)
)

select
    indicator_value_id,
    council,
    service,
    indicator_code,
    current_code,
    financial_year,
    quarter,
    period_type,
    replace(financial_year, '/', '-') || coalesce('-Q' || quarter, '') as period_key,
    value,
    numerator,
    denominator,
    unit,
    direction,
    target,
    period_target,
    status,
    reported_status,
    case when reported_status is not null and status is not null then reported_status = status end
        as status_agrees,
    {{ trend('value', 'previous_value', 'direction') }} as short_trend,
    previous_value as short_trend_compared_with,
    {{ trend('value', 'long_term_average', 'direction') }} as long_trend,
    long_term_average as long_trend_compared_with,
    computed_value,
    case
        when numerator is null or denominator is null then null
        when denominator = 0 then 'not computable'
        when value is null then null
        -- within rounding: the value as printed (whole number, or 2 decimal places)
        when abs(computed_value - value) <= case when value = round(value) then 0.5 else 0.005 end
            then 'agrees'
        else 'disagrees'
    end as feeder_check,
    note,
    partition_key,
    source_file,
    source_sha256,
    source_sheet,
    source_row,
    source_ref,
    loaded_at
from judged
where {{ in_returns_window(reach=4) }}
-- stored by council and service: a report reads one council-service's rows, and DuckDB
-- skips the row groups of the others
order by council, service, indicator_code, financial_year, quarter
