-- One conformed list of indicators: each council's own PIs (complaints, corporate health,
-- service priorities, balanced scorecard) from its framework in force, with today's settings
-- (one row per council, service and code; fct_indicator_value judges each period with the
-- settings in force for it), and LGBF indicators (council null).
-- Aliases are split into other codes (e.g. P-CHN8a for CHN8a, BS.CS.04 for BS.CSPC.04)
-- and older titles.
with catalogue as (
    select
        *,
        -- seed lineage: 'file:lines' for one source, the whole reference for several
        case when contains(source_ref, ';') then source_ref else split_part(source_ref, ':', 1) end
            as seed_file,
        case when not contains(source_ref, ';') then nullif(split_part(source_ref, ':', 2), '') end
            as seed_line
    from {{ ref('stg_frameworks__indicators') }}
    where is_current
),

aliases as (
    select council, indicator_code, unnest(string_split(aliases, '|')) as alias
    from catalogue
    where aliases is not null and aliases <> ''
),

split as (
    select
        aliases.council,
        aliases.indicator_code,
        -- a code has no spaces; anything else is an older title
        list(alias order by alias) filter (where not contains(trim(alias), ' ')) as alias_codes,
        list(alias order by alias) filter (where contains(trim(alias), ' ')) as alias_titles
    from aliases
    group by aliases.council, aliases.indicator_code
)

select
    catalogue.indicator_code,
    catalogue.title,
    catalogue.service,
    catalogue.priority_group,
    -- the heading the PI prints under today (a report prints the heading in force for its
    -- period: dim_indicator_heading)
    heading.heading as report_heading,
    catalogue.print_order,
    nullif(catalogue.new_in, '') as new_in,
    nullif(catalogue.benchmark, '') as benchmark,
    catalogue.section,
    catalogue.unit,
    catalogue.direction,
    catalogue.is_cumulative,
    catalogue.target_phasing,
    -- the amber threshold in the indicator's unit (kept under its earlier name)
    case when catalogue.threshold_type = 'Absolute' then catalogue.amber_threshold end as warning_tolerance,
    catalogue.numerator_name,
    catalogue.denominator_name,
    catalogue.current_code,
    catalogue.indicator_code = catalogue.current_code as is_current_code,
    nullif(catalogue.lgbf_code, '') as lgbf_code,
    case when catalogue.section = 'LGBF' then 'LGBF' else 'service return' end as source,
    coalesce(split.alias_codes, []) as alias_codes,
    coalesce(split.alias_titles, []) as alias_titles,
    catalogue.seed_file,
    catalogue.seed_line,
    catalogue.council,
    catalogue.gauge,
    catalogue.goldilocks_lower,
    catalogue.goldilocks_upper,
    catalogue.amber_threshold,
    catalogue.red_threshold,
    catalogue.threshold_type,
    catalogue.trend_type,
    catalogue.long_trend_periods,
    catalogue.decimals,
    catalogue.effective_from
from catalogue
left join split using (council, indicator_code)
left join {{ ref('dim_indicator_heading') }} as heading
    on heading.council = catalogue.council
    and heading.indicator_code = catalogue.indicator_code
    and heading.valid_to is null

-- The LGBF rows give only what an LGBF indicator has: `union all by name` leaves the rest
-- (print order, framework thresholds and trend settings, council) null.
union all by name

-- LGBF indicators the catalogue does not describe, from the LGBF reference
select
    lgbf.indicator_code,
    lgbf.title,
    lgbf.domain as service,
    lgbf.category as priority_group,
    lgbf.category as report_heading,
    'LGBF' as section,
    lgbf.unit,
    lgbf.direction,
    false as is_cumulative,
    'flat' as target_phasing,
    lgbf.indicator_code as current_code,
    true as is_current_code,
    lgbf.indicator_code as lgbf_code,
    -- not the council's own choice of LGBF indicators (the catalogue's), which its service
    -- report prints; the benchmarking pack covers every one
    'LGBF reference' as source,
    case when lgbf.code_published <> lgbf.indicator_code then [lgbf.code_published] else [] end as alias_codes,
    -- (noqa: sqlfluff would write the array type `varchar []`)
    cast([] as varchar[]) as alias_titles,  -- noqa: LT01
    lgbf.source_file as seed_file,
    cast(lgbf.source_row as varchar) as seed_line,
    gauges.gauge
from {{ ref('stg_lgbf__indicators') }} as lgbf
-- the gauge of its direction (higher or lower is better; without one, Data Only)
left join {{ ref('pentana_gauges') }} as gauges
    on coalesce(lgbf.direction, 'data_only') = gauges.direction
where lgbf.indicator_code not in (select indicator_code from catalogue)

union all by name

-- LGBF codes a publication carries that neither the reference nor the catalogue knows: kept
-- so every value has its indicator, with no title or direction (never ranked; fct_lgbf_value
-- warns about them)
select
    unknown.indicator_code,
    'LGBF' as section,
    false as is_cumulative,
    'flat' as target_phasing,
    unknown.indicator_code as current_code,
    true as is_current_code,
    unknown.indicator_code as lgbf_code,
    'LGBF reference' as source,
    coalesce(
        list_distinct(list(unknown.code_published) filter (where unknown.code_published <> unknown.indicator_code)),
        []
    ) as alias_codes,
    -- (noqa: sqlfluff would write the array type `varchar []`)
    cast([] as varchar[]) as alias_titles,  -- noqa: LT01
    (select gauge from {{ ref('pentana_gauges') }} where direction = 'data_only') as gauge
from {{ ref('stg_lgbf__values') }} as unknown
where unknown.indicator_code not in (select indicator_code from catalogue)
    and unknown.indicator_code not in (select indicator_code from {{ ref('stg_lgbf__indicators') }})
group by unknown.indicator_code
