-- Indicator values with computed status and trends, every version: grain council x service x
-- indicator x period x submission (the value in force now, and each value a resubmitted return
-- replaced, with submitted_at / superseded_at: macros/return_versions.sql). fct_indicator_value
-- is this model's current versions; a report picks the version known on its date
-- (orchestration/reports/queries.py).
--
-- This model is the ONE place where the performance system's (Pentana's) rules live
-- (documented with seed examples in docs/status_logic.md; the status macros in
-- macros/pentana.sql, the trend wording in macros/trend.sql):
--   status       Data Only  - the gauge is Data Only, or there is no target for the period
--                On Target  - meets the period target (Aim to Maximise / Minimise; equal
--                             counts as met), or lies within the Goldilocks band
--                Warning    - misses it (or lies outside the band) by no more than the
--                             amber threshold, absolute or as a % of the target; with a red
--                             threshold, by at least the amber and at most the red threshold
--                             (a smaller miss is On Target)
--                Off Target - otherwise
--   Each period is judged with the framework settings in force on its last day (status);
--   status_today judges it with today's settings, so a later threshold change never
--   re-colours history, and what it would change is visible.
--   period_target  = the quarter's profiled target, else annual target x quarter / 4 for
--                    pro-rata measures in a quarter, else the annual target
--   short_trend  vs the previous comparable period: the previous quarter or year (trend type
--                Ongoing) or the same quarter last year (Year to Year)
--   long_trend   vs the average of the previous N comparable periods (N = the indicator's
--                long-trend periods, at least min(2, N) present)
--   computed_value = numerator / denominator (x 100 for % indicators); feeder_check says
--                    whether the returned value agrees with it within rounding (macros/feeders.sql)
--
-- Incremental by financial year (macros/returns_window.sql): a changed year's rows, and the
-- later years whose trends compare with it, are recomputed from the changed years and the
-- years before them, as many as the longest long trend (window_reach: the dbt var
-- long_trend_max_periods, 4, which the framework's Long Trend Periods test also allows).
{{ config(materialized='incremental', incremental_strategy='replace_window', window_reach=var('long_trend_max_periods')) }}

with values_ as (
    select
        *,
        indicator_value_id || '@' || coalesce(source_sha256, '')
            || coalesce('@' || cast(replaced_at as varchar), '') as indicator_value_version_id,
        {{ fy_start_year('financial_year') }} as fy_start_year,
        -- the period's last day: the framework settings in force then judge it
        {{ period_end(fy_start_year('financial_year'), 'quarter') }} as period_end
    from {{ ref('stg_returns__indicator_value_versions') }}
    where {{ in_returns_window(lookback=4, reach=4) }}
),

settings as (
    select
        council,
        indicator_code,
        current_code,
        unit,
        direction,
        is_cumulative,
        target_phasing,
        goldilocks_lower,
        goldilocks_upper,
        amber_threshold,
        red_threshold,
        threshold_type,
        trend_type,
        long_trend_periods,
        effective_from,
        effective_to
    from {{ ref('stg_frameworks__indicators') }}
),

targets as (
    select council, indicator_code, financial_year, annual_target, q1_target, q2_target, q3_target, q4_target
    from {{ ref('stg_frameworks__targets') }}
),

joined as (
    select
        values_.*,
        targets.annual_target,
        case values_.quarter
            when 1 then targets.q1_target when 2 then targets.q2_target
            when 3 then targets.q3_target when 4 then targets.q4_target
        end as quarter_target,
        today.current_code,
        today.unit,
        -- the settings in force for the period (today's where the indicator is newer)
        coalesce(then_.direction, today.direction) as then_direction,
        coalesce(then_.target_phasing, today.target_phasing) as then_target_phasing,
        coalesce(then_.goldilocks_lower, today.goldilocks_lower) as then_goldilocks_lower,
        coalesce(then_.goldilocks_upper, today.goldilocks_upper) as then_goldilocks_upper,
        case when then_.indicator_code is not null then then_.amber_threshold else today.amber_threshold end
            as then_amber_threshold,
        case when then_.indicator_code is not null then then_.red_threshold else today.red_threshold end
            as then_red_threshold,
        coalesce(then_.threshold_type, today.threshold_type) as then_threshold_type,
        coalesce(then_.trend_type, today.trend_type) as trend_type,
        coalesce(then_.long_trend_periods, today.long_trend_periods) as long_trend_periods,
        coalesce(then_.is_cumulative, today.is_cumulative) as is_cumulative,
        today.direction as today_direction,
        today.target_phasing as today_target_phasing,
        today.goldilocks_lower as today_goldilocks_lower,
        today.goldilocks_upper as today_goldilocks_upper,
        today.amber_threshold as today_amber_threshold,
        today.red_threshold as today_red_threshold,
        today.threshold_type as today_threshold_type
    from values_
    inner join settings as today
        on today.council = values_.council
        and today.indicator_code = values_.indicator_code
        and today.effective_to is null
    left join settings as then_
        on then_.council = values_.council
        and then_.indicator_code = values_.indicator_code
        and then_.effective_from <= values_.period_end
        and (then_.effective_to is null or then_.effective_to > values_.period_end)
    left join targets
        on targets.council = values_.council
        and targets.indicator_code = values_.indicator_code
        and targets.financial_year = values_.financial_year
),

base as (
    select
        *,
        then_direction as direction,
        then_amber_threshold as amber_threshold,
        then_red_threshold as red_threshold,
        then_threshold_type as threshold_type,
        then_goldilocks_lower as goldilocks_lower,
        then_goldilocks_upper as goldilocks_upper,
        -- A running number per period type, so "previous" is simple arithmetic:
        -- quarters count 4 a year, years 1 a year.
        case
            when period_type = 'quarter' then fy_start_year * 4 + quarter - 1
            else fy_start_year
        end as period_ordinal,
        annual_target as target,
        {{ pentana_period_target('then_') }} as period_target,
        {{ pentana_period_target('today_') }} as period_target_today
    from joined
),

-- The comparison periods for the trends, as offsets of period_ordinal: Year to Year quarters
-- compare with the same quarter of earlier years (steps of 4), Ongoing quarters with the
-- preceding quarters, years with the preceding years; as many as the long-trend periods (at
-- most the dbt var long_trend_max_periods, which the framework's test also allows). Only for
-- the rows this build writes: the earlier years read for their history (lookback) are not
-- judged again (an incremental build of one year on the synthetic national set: the trends of
-- the four lookback years were most of this model's time).
comparisons as (
    select
        base.indicator_value_version_id,
        step,
        base.period_ordinal - step * case when base.period_type = 'quarter' and base.trend_type = 'Year to Year' then 4 else 1 end
            as compare_ordinal
    from base cross join (select unnest(range(1, {{ var('long_trend_max_periods') }} + 1)) as step)
    where step <= base.long_trend_periods
        and {{ in_returns_window('base.financial_year', reach=4) }}
),

-- Renamed codes (BS.CS.04 -> BS.CSPC.04) share a history through current_code. Versions:
-- a value in force now compares with the comparison periods' values in force now; a replaced
-- value with theirs in force when it was replaced (load-time order, loaded_at / replaced_at).
history as (
    select council, service, current_code, period_type, period_ordinal, replaced_at,
        max(loaded_at) as loaded_at,
        {{ exact_avg("value") }} as value
    from base
    where value is not null
    -- the values in force now form one group per period (renamed codes averaged, as ever)
    group by council, service, current_code, period_type, period_ordinal, replaced_at,
        case when replaced_at is not null then loaded_at end
),

trend_inputs as (
    select
        base.indicator_value_version_id,
        max(history.value) filter (where comparisons.step = 1) as previous_value,
        {{ exact_avg("history.value") }} as long_term_average,
        count(history.value) as long_term_periods,
        any_value(base.long_trend_periods) as long_trend_periods
    from base
    inner join comparisons using (indicator_value_version_id)
    left join history
        on history.council = base.council
        and history.service is not distinct from base.service
        and history.current_code = base.current_code
        and history.period_type = base.period_type
        and history.period_ordinal = comparisons.compare_ordinal
        and (
            (base.replaced_at is null and history.replaced_at is null)
            or (base.replaced_at is not null and history.loaded_at < base.replaced_at
                and coalesce(history.replaced_at, cast('infinity' as timestamp)) >= base.replaced_at)
        )
    group by base.indicator_value_version_id
),

judged as (
    select
        base.*,
        trend_inputs.previous_value,
        case when trend_inputs.long_term_periods >= least(2, trend_inputs.long_trend_periods)
            then trend_inputs.long_term_average end as long_term_average,
        {{ pentana_status('then_', 'period_target') }} as status,
        {{ pentana_status('today_', 'period_target_today') }} as status_today,
        (base.goldilocks_lower + base.goldilocks_upper) / 2.0 as goldilocks_centre,
        {{ feeder_ratio('base.numerator', 'base.denominator', 'base.unit') }} as computed_value
    from base
    inner join trend_inputs using (indicator_value_version_id)
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
    {{ period_key('financial_year', 'quarter') }} as period_key,
    value,
    numerator,
    denominator,
    unit,
    direction,
    target,
    period_target,
    status,
    status_today,
    amber_threshold,
    red_threshold,
    threshold_type,
    trend_type,
    period_end,
    reported_status,
    case when reported_status is not null and status is not null then reported_status = status end
        as status_agrees,
    {{ trend('value', 'previous_value', 'direction', 'goldilocks_centre') }} as short_trend,
    previous_value as short_trend_compared_with,
    {{ trend('value', 'long_term_average', 'direction', 'goldilocks_centre') }} as long_trend,
    long_term_average as long_trend_compared_with,
    computed_value,
    case
        when numerator is null or denominator is null then null
        when denominator = 0 then 'not computable'
        when value is null then null
        -- within rounding of the value as printed (macros/feeders.sql); since the return reader
        -- applies the same rule, only returns loaded before it can disagree
        when {{ feeder_disagrees('value', 'computed_value') }} then 'disagrees'
        else 'agrees'
    end as feeder_check,
    note,
    partition_key,
    source_file,
    source_sha256,
    source_sheet,
    source_row,
    source_ref,
    loaded_at,
    indicator_value_version_id,
    submitted_at,
    superseded_at,
    replaced_at,
    is_current
from judged
where {{ in_returns_window(reach=4) }}
-- stored by council and service: a report reads one council-service's rows, and DuckDB
-- skips the row groups of the others
order by council, service, indicator_code, financial_year, quarter, submitted_at
