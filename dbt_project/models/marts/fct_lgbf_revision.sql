-- LGBF revisions: per indicator x council x period, the value and rank in each publication
-- and what changed against the previous publication of the same kind (official releases
-- against the previous official release; transcriptions from council reports against the
-- previous transcription, since a report may print real terms where a release gives cash).
-- Like is compared with like: cash figures when both publications give cash, else real terms
-- where both give them (a release restates real terms at its own year's prices, so between
-- two workbooks only cash shows what was revised).
with history as (
    select history.*, publications.ingested_at, publications.cash_published
    from {{ ref('fct_lgbf_benchmark_history') }} as history
    inner join {{ ref('stg_lgbf__publications') }} as publications using (publication_id)
),

compared as (
    select
        *,
        lag(publication_id) over chain as previous_publication_id,
        lag(release_name) over chain as previous_release_name,
        lag(published_on) over chain as previous_published_on,
        lag(value) over chain as previous_release_value,
        lag(value_real) over chain as previous_release_value_real,
        lag(cash_published) over chain as previous_cash_published,
        lag(rank) over chain as previous_release_rank,
        lag(n_ranked) over chain as previous_release_n_ranked
    from history
    window chain as (
        partition by indicator_code, council, period, publication_kind
        order by published_on, ingested_at
    )
),

compared_figures as (
    select
        *,
        case when cash_published and previous_cash_published then value
            else coalesce(value_real, value) end as figure,
        case when cash_published and previous_cash_published then previous_release_value
            else coalesce(previous_release_value_real, previous_release_value) end as previous_figure
    from compared
)

select
    indicator_code,
    council,
    gss_code,
    period,
    period_type,
    publication_id,
    release_name,
    publication_kind,
    published_on,
    value,
    rank,
    n_ranked,
    previous_publication_id,
    previous_release_name,
    previous_published_on,
    previous_release_value as previous_value,
    previous_release_rank as previous_rank,
    case when cash_published and previous_cash_published then 'cash' else 'real terms' end as compared_in,
    previous_figure as previous_compared_value,
    figure as compared_value,
    figure - previous_figure as value_revision,
    rank - previous_release_rank as rank_revision,
    case
        when previous_publication_id is null then 'first published'
        when figure is null and previous_figure is not null then 'value withdrawn'
        when figure is not null and previous_figure is null then 'value added'
        -- a revision of less than a millionth of the value is float noise, not a revision
        when abs(figure - previous_figure) > 1e-6 * greatest(abs(figure), abs(previous_figure))
            then 'value revised'
        -- rank is distinct from the previous rank (spelt out: sqlfluff cannot parse IS DISTINCT
        -- FROM inside CASE)
        when coalesce(rank <> previous_release_rank, (rank is null) <> (previous_release_rank is null))
            then 'rank changed'
        else 'unchanged'
    end as change
from compared_figures
order by council, indicator_code, period, published_on
