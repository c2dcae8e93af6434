-- The group and heading each council PI prints under, and the title and feeder names it
-- prints with, over time: one row per span of days in
-- which both the PI's settings row (its group, or its own Report Heading) and its group's row
-- (the group's heading) stay the same. A report reads the row in force on the last day of its
-- period, so each report uses the framework in force for its period: Midlothian's complaints
-- PIs print under "01. Provide an efficient complaints service" in Q2 2016/17 and under
-- "01.4 Commitment to valuing complaints" in 2019/20 (raw/transcription/framework_groups.csv).
-- A PI's or a group's first row also covers the days before its Effective From, as
-- fct_indicator_value judges periods before a PI's first row with that row.
with indicators as (
    select
        council,
        service,
        indicator_code,
        title,
        numerator_name,
        denominator_name,
        priority_group,
        report_heading,
        case when effective_from = min(effective_from) over (partition by council, indicator_code)
            then date '1900-01-01' else effective_from end as valid_from,
        effective_to as valid_to
    from {{ ref('stg_frameworks__indicators') }}
),

groups as (
    select
        council,
        service,
        priority_group,
        heading,
        print_order,
        case when effective_from = min(effective_from) over (partition by council, service, priority_group)
            then date '1900-01-01' else effective_from end as valid_from,
        effective_to as valid_to
    from {{ ref('stg_frameworks__groups') }}
),

spans as (
    select
        indicators.council,
        indicators.service,
        indicators.indicator_code,
        -- the wording of its settings row in force (Q2 2016/17: "% of service priorities on
        -- target / completed, of the total number"; 2019/20: "% of service priority Actions
        -- on target / completed, of the total number")
        indicators.title,
        indicators.numerator_name,
        indicators.denominator_name,
        indicators.priority_group,
        -- the PI's own Report Heading, else its group's heading, else the group's name
        coalesce(indicators.report_heading, groups.heading, indicators.priority_group) as heading,
        groups.print_order as group_print_order,
        greatest(indicators.valid_from, coalesce(groups.valid_from, indicators.valid_from)) as valid_from,
        case
            when indicators.valid_to is null then groups.valid_to
            when groups.valid_to is null then indicators.valid_to
            else least(indicators.valid_to, groups.valid_to)
        end as valid_to
    from indicators
    left join groups
        on groups.council = indicators.council
        and groups.service = indicators.service
        and groups.priority_group = indicators.priority_group
        and groups.valid_from < coalesce(indicators.valid_to, date '9999-12-31')
        and coalesce(groups.valid_to, date '9999-12-31') > indicators.valid_from
)

select
    council || '|' || indicator_code || '|' || cast(valid_from as varchar) as indicator_heading_id,
    *
from spans
