-- LGBF revisions: per indicator x council x period, the value and rank in each publication
-- and what changed against the previous publication of the same kind (official releases
-- against the previous official release; transcriptions from council reports against the
-- previous transcription, since a report may print real terms where a release gives cash).
with history as (
    select history.*, publications.ingested_at
    from {{ ref('lgbf_benchmark_history') }} as history
    inner join {{ ref('stg_lgbf__publications') }} as publications using (publication_id)
),

compared as (
    select
        *,
        lag(publication_id) over chain as previous_publication_id,
        lag(release_name) over chain as previous_release_name,
        lag(published_on) over chain as previous_published_on,
        lag(value) over chain as previous_release_value,
        lag(rank) over chain as previous_release_rank,
        lag(n_ranked) over chain as previous_release_n_ranked
    from history
    window chain as (
        partition by indicator_code, council, period, publication_kind
        order by published_on, ingested_at
    )
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
    value - previous_release_value as value_revision,
    rank - previous_release_rank as rank_revision,
    case
        when previous_publication_id is null then 'first published'
        when value is null and previous_release_value is not null then 'value withdrawn'
        when value is not null and previous_release_value is null then 'value added'
        -- a revision of less than a millionth of the value is float noise, not a revision
        when abs(value - previous_release_value) > 1e-6 * greatest(abs(value), abs(previous_release_value))
            then 'value revised'
        when rank is distinct from previous_release_rank then 'rank changed'
        else 'unchanged'
    end as change
from compared
order by council, indicator_code, period, published_on
