-- The benchmark analysts use: for each indicator and year, the latest publication's values
-- for every council, ranked. Rules (reproducing the published "External Comparison"):
--   rank      1 = best by the indicator's direction; ties share the better rank; councils
--             without a value are not ranked; a set with values for no more than half the
--             councils (16 of 32) is not ranked at all.
--   quartile  ceil(4 x rank / n_ranked): 1 = top ... 4 = bottom (1-8 / 9-16 / 17-24 / 25-32
--             when all 32 are ranked). See docs/lgbf.md for how this was established.
--   family group  people-services indicators use the deprivation family group, others the
--             population-density one; the average is the publication's own where it gives
--             one, else the mean of the family group's councils.
with publications as (
    select publication_id, recency from {{ ref('stg_lgbf__publications') }}
),

values_ as (
    select values_.*, publications.recency
    from {{ ref('stg_lgbf__values') }} as values_
    inner join publications using (publication_id)
),

latest as (
    -- the most recent publication that has any council value for the indicator-year
    select indicator_code, financial_year, arg_min(publication_id, recency) as publication_id
    from values_
    where council <> 'Scotland' and coalesce(value, value_real) is not null
    group by all
),

indicators as (
    select indicator_code, direction, family_group_basis from {{ ref('stg_lgbf__indicators') }}
    union all
    select lgbf_code, direction, 'people' from {{ ref('indicator_catalogue') }}
    where lgbf_code is not null and lgbf_code <> ''
        and lgbf_code not in (select indicator_code from {{ ref('stg_lgbf__indicators') }})
),

current_values as (
    select values_.*
    from values_
    inner join latest using (indicator_code, financial_year, publication_id)
),

scotland as (
    select indicator_code, financial_year, value as scotland_value
    from current_values where council = 'Scotland'
),

councils as (
    select
        current_values.*,
        coalesce(current_values.value, current_values.value_real) as rank_value,
        indicators.direction,
        coalesce(
            current_values.published_family_group,
            case indicators.family_group_basis
                when 'people' then fg.people_services_family_group
                else fg.other_services_family_group
            end
        ) as family_group
    from current_values
    left join indicators using (indicator_code)
    left join {{ ref('stg_lgbf__family_groups') }} as fg using (council)
    where current_values.council <> 'Scotland'
),

counted as (
    select
        *,
        count(rank_value) over (partition by indicator_code, financial_year) as n_with_value,
        -- a decimal sum, so the average is the same on every build (see the exact_avg macro)
        cast(avg(cast(rank_value as decimal(38, 12))) over (partition by indicator_code, financial_year, family_group) as double)
            as computed_fg_average
    from councils
),

ranked as (
    select
        *,
        case
            when rank_value is null or direction is null or n_with_value <= 16 then null
            when direction = 'higher_is_better'
                then rank() over (partition by indicator_code, financial_year, rank_value is null order by rank_value desc)
            else rank() over (partition by indicator_code, financial_year, rank_value is null order by rank_value asc)
        end as rank
    from counted
)

select
    ranked.indicator_code,
    ranked.council,
    councils.gss_code,
    ranked.financial_year,
    ranked.value,
    ranked.value_real,
    ranked.numerator,
    ranked.denominator,
    scotland.scotland_value,
    ranked.family_group,
    case when ranked.family_group is not null
        then coalesce(ranked.published_fg_average, ranked.computed_fg_average) end as family_group_average,
    ranked.rank,
    case when ranked.rank is not null then ranked.n_with_value end as n_ranked,
    case when ranked.rank is not null then cast(ceil(4.0 * ranked.rank / ranked.n_with_value) as integer) end
        as quartile,
    ranked.direction,
    lag(ranked.value) over trend_window as previous_value,
    {{ trend('ranked.value', 'lag(ranked.value) over trend_window', 'ranked.direction') }} as trend,
    ranked.publication_id as publication,
    ranked.kind as publication_kind,
    ranked.published_on
from ranked
left join scotland using (indicator_code, financial_year)
inner join {{ ref('councils') }} as councils using (council)
window trend_window as (partition by ranked.indicator_code, ranked.council order by ranked.financial_year)
order by council, indicator_code, financial_year  -- clustered for per-council reads
