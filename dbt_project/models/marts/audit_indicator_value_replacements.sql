-- Every indicator value that a resubmitted return replaced: what it was, which file and
-- content hash it came from, when it was loaded, when it was replaced and by which file.
-- The current value is alongside, so a correction can be reviewed in one query.
with replaced as (
    select * from {{ source('raw', 'return_indicator_values_replaced') }}
),

replacing_files as (
    select source_sha256 as replaced_by_sha256, source_file as replaced_by_file
    from {{ source('raw', 'return_files') }}
    union
    select source_sha256, source_file from {{ source('raw', 'return_files_replaced') }}
)

select
    replaced.council,
    replaced.service,
    replaced.indicator_code,
    replaced.financial_year,
    case when replaced.period = 'year' then null else replaced.file_quarter end as quarter,
    replaced.value as replaced_value,
    replaced.numerator as replaced_numerator,
    replaced.denominator as replaced_denominator,
    replaced.note as replaced_note,
    current_value.value as current_value,
    replaced.source_file,
    replaced.source_sha256,
    replaced.source_row,
    replaced.loaded_at,
    replaced.replaced_at,
    replaced.replaced_by_sha256,
    replacing_files.replaced_by_file
from replaced
left join replacing_files using (replaced_by_sha256)
left join {{ ref('stg_returns__indicator_values') }} as current_value
    on current_value.council = replaced.council
    and current_value.service = replaced.service
    and current_value.indicator_code = replaced.indicator_code
    and current_value.financial_year = replaced.financial_year
    and current_value.period_type = replaced.period
    and current_value.quarter is not distinct from
        (case when replaced.period = 'year' then null else replaced.file_quarter end)
