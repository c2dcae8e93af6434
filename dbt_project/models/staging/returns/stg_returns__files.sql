-- One row per loaded return workbook: who submitted what, when it was loaded, its hash.
select
    source_sha256,
    source_file,
    partition_key,
    council,
    service,
    financial_year,
    file_quarter as quarter,
    submitted_by,
    submitted_on,
    loaded_at,
    indicator_rows,
    action_rows,
    risk_rows
from {{ source('raw', 'return_files') }}
