-- The services of each council's framework in force.
select
    council || '|' || service as service_id,
    council,
    service,
    description,
    coalesce(effective_from, date '1900-01-01') as effective_from,
    source_file,
    source_sha256,
    source_sheet,
    source_row,
    loaded_at
from ({{ framework_in_force('framework_services') }})
