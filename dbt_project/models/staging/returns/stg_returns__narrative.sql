-- The report narrative as returned: one paragraph per row, in the order of the sheet.
with source as (
    select * from {{ source('raw', 'return_narrative') }}
)

select
    council || '|' || service || '|' || financial_year || '|'
        || case when period = 'year' then 'Year' else 'Q' || file_quarter end
        || '|' || source_row as narrative_paragraph_id,
    council,
    service,
    financial_year,
    case when period = 'year' then null else file_quarter end as quarter,
    period as period_type,
    heading,
    text,
    source_row as paragraph_order,
    partition_key,
    source_ref,
    source_file,
    source_sha256,
    source_sheet,
    source_row,
    loaded_at
from source
