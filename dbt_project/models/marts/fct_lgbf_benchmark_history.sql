-- Every LGBF publication's benchmark, per publication x indicator x council x period, with
-- when it was the one served (known_from .. superseded_at). fct_lgbf_benchmark is the rows served
-- today; `known_from <= D and (superseded_at is null or superseded_at > D)` is the benchmark
-- as known at date D (docs/lgbf.md). Rules (docs/lgbf.md has the figures behind them):
--   rank          1 = best by the indicator's direction, among all councils with a value in
--                 this publication for this indicator and period (single year or rolling);
--                 ties share the better rank; unrounded values; a set with values for 16 or
--                 fewer councils is not ranked at all; excluded series are never ranked.
--   quartile      ceil(4 x rank / n_ranked): 1 = top ... 4 = bottom.
--   family group  people-services indicators use the deprivation family group, the others
--                 the population-density one (the publication's own where it names one);
--                 family_group_rank among the group's councils with a value
--                 (family_group_size of them); family_group_average = the simple mean of
--                 their values, as the Improvement Service computes it.
--   previous      the same publication's previous period of the same type (2016/17 before
--                 2017/18; 2015/18 before 2016/19): previous_value, previous_rank,
--                 value_change = value - previous_value, rank_change = rank - previous_rank
--                 (negative = moved up, as in the Improvement Service's tool).
--   Scotland      the publication's own Scotland figure (cash and real terms).
with publications as (
    select publication_id, kind, published_on, release_name, recency
    from {{ ref('stg_lgbf__publications') }}
),

indicators as (
    select indicator_code, direction, family_group_basis from {{ ref('stg_lgbf__indicators') }}
    union all
    select distinct lgbf_code, direction, 'people' as family_group_basis from {{ ref('stg_frameworks__indicators') }}
    where is_current and lgbf_code is not null and lgbf_code <> ''
        and lgbf_code not in (select indicator_code from {{ ref('stg_lgbf__indicators') }})
),

values_ as (
    select * from {{ ref('stg_lgbf__values') }}
),

scotland as (
    select publication_id, indicator_code, period,
        value as scotland_value, value_real as scotland_value_real
    from values_ where council = 'Scotland'
),

councils as (
    -- known councils only; excluded values stay in the series (as gaps) so that "previous
    -- period" never reaches past them to an older, different measure
    select
        values_.*,
        case when values_.exclusion_reason is null then coalesce(values_.value, values_.value_real) end
            as rank_value,
        case when indicators.direction in ('higher_is_better', 'lower_is_better') then indicators.direction end
            as direction,
        coalesce(
            values_.published_family_group,
            case indicators.family_group_basis
                when 'people' then fg.people_services_family_group
                else fg.other_services_family_group
            end
        ) as family_group
    from values_
    inner join {{ ref('councils') }} using (council)  -- known councils only
    left join indicators using (indicator_code)
    left join {{ ref('stg_lgbf__family_groups') }} as fg using (council)
),

counted as (
    select
        *,
        count(rank_value) over (partition by publication_id, indicator_code, period) as n_with_value,
        count(rank_value) over (partition by publication_id, indicator_code, period, family_group)
            as n_in_family_group,
        -- a decimal sum, so the average is the same on every build
        cast(avg(cast(rank_value as decimal(38, 12))) over (
            partition by publication_id, indicator_code, period, family_group
        ) as double) as computed_fg_average
    from councils
),

ranked as (
    select
        *,
        case
            when rank_value is null or direction is null or n_with_value <= 16 then null
            when direction = 'higher_is_better'
                then rank() over (partition by publication_id, indicator_code, period, rank_value is null order by rank_value desc)
            else rank() over (partition by publication_id, indicator_code, period, rank_value is null order by rank_value asc)
        end as rank,
        case
            when rank_value is null or direction is null or n_with_value <= 16 or family_group is null then null
            when direction = 'higher_is_better'
                then rank() over (
                    partition by publication_id, indicator_code, period, family_group, rank_value is null
                    order by rank_value desc
                )
            else rank() over (
                partition by publication_id, indicator_code, period, family_group, rank_value is null
                order by rank_value asc
            )
        end as family_group_rank
    from counted
),

with_previous as (
    select
        *,
        lag(case when exclusion_reason is null then value end) over previous_period as previous_value,
        lag(rank) over previous_period as previous_rank
    from ranked
    window previous_period as (
        partition by publication_id, indicator_code, council, period_type
        order by period_end_year, period_start_year
    )
),

-- When each publication's set (indicator x period) was the one served: from its publication
-- date, unless a better publication (lower recency) already covered the set by then; until
-- the first better publication covering the set is published.
sets as (
    select distinct publication_id, indicator_code, period
    from values_
    where council <> 'Scotland' and coalesce(value, value_real) is not null
),

served as (
    select
        s.publication_id,
        s.indicator_code,
        s.period,
        case when not exists (
            select 1 from sets as b inner join publications as bp using (publication_id)
            where b.indicator_code = s.indicator_code and b.period = s.period
                and bp.recency < p.recency and bp.published_on <= p.published_on
        ) then p.published_on end as known_from,
        (
            select min(bp.published_on) from sets as b inner join publications as bp using (publication_id)
            where b.indicator_code = s.indicator_code and b.period = s.period
                and bp.recency < p.recency and bp.published_on > p.published_on
        ) as superseded_at
    from sets as s
    inner join publications as p using (publication_id)
)

select
    with_previous.publication_id,
    publications.release_name,
    with_previous.kind as publication_kind,
    with_previous.published_on,
    served.known_from,
    served.superseded_at,
    served.known_from is not null and served.superseded_at is null as is_current,
    with_previous.indicator_code,
    with_previous.council,
    known.gss_code,
    with_previous.period,
    with_previous.period_type,
    with_previous.financial_year,
    with_previous.value,
    with_previous.value_real,
    with_previous.numerator,
    with_previous.denominator,
    scotland.scotland_value,
    scotland.scotland_value_real,
    with_previous.family_group,
    case when with_previous.family_group is not null then with_previous.computed_fg_average end
        as family_group_average,
    with_previous.published_fg_average as published_family_group_average,
    with_previous.rank,
    case when with_previous.rank is not null then with_previous.n_with_value end as n_ranked,
    case when with_previous.rank is not null
        then cast(ceil(4.0 * with_previous.rank / with_previous.n_with_value) as integer) end as quartile,
    with_previous.family_group_rank,
    case when with_previous.family_group_rank is not null then with_previous.n_in_family_group end
        as family_group_size,
    with_previous.direction,
    with_previous.previous_value,
    with_previous.value - with_previous.previous_value as value_change,
    with_previous.previous_rank,
    with_previous.rank - with_previous.previous_rank as rank_change,
    {{ trend('with_previous.value', 'with_previous.previous_value', 'with_previous.direction') }} as trend
from with_previous
inner join publications using (publication_id)
inner join {{ ref('councils') }} as known using (council)
left join served using (publication_id, indicator_code, period)
left join scotland using (publication_id, indicator_code, period)
where with_previous.exclusion_reason is null
order by with_previous.council, with_previous.indicator_code, with_previous.period, publications.published_on
