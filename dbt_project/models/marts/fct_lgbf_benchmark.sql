-- The benchmark analysts use: for each indicator and period (financial year or rolling
-- period), the values, ranks and comparisons of the publication served today (the best
-- publication covering it: official before transcribed, then the latest). Rules: see
-- fct_lgbf_benchmark_history, which also answers "as known at a date".
select
    indicator_code,
    council,
    gss_code,
    period,
    period_type,
    financial_year,
    value,
    value_real,
    numerator,
    denominator,
    scotland_value,
    scotland_value_real,
    family_group,
    family_group_average,
    published_family_group_average,
    rank,
    n_ranked,
    quartile,
    family_group_rank,
    family_group_size,
    direction,
    previous_value,
    value_change,
    previous_rank,
    rank_change,
    trend,
    publication_id as publication,
    release_name,
    publication_kind,
    published_on,
    known_from
from {{ ref('fct_lgbf_benchmark_history') }}
where is_current
order by council, indicator_code, period  -- clustered for per-council reads
