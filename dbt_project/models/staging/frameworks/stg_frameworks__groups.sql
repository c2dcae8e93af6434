-- Priority / outcome groups per service, with the heading printed and their print order,
-- effective-dated: a group's row in force for a period is the latest effective_from on or
-- before the period's end (effective_to: the next row's effective_from, exclusive; null for
-- the row in force today).
select
    council || '|' || service || '|' || priority_group || '|'
        || coalesce(cast(effective_from as varchar), '') as group_id,
    council,
    service,
    priority_group,
    coalesce(nullif(heading, ''), priority_group) as heading,
    cast(print_order as integer) as print_order,
    coalesce(effective_from, date '1900-01-01') as effective_from,
    lead(coalesce(effective_from, date '1900-01-01')) over (
        partition by council, service, priority_group order by coalesce(effective_from, date '1900-01-01')
    ) as effective_to,
    source_ref,
    source_file,
    source_sha256,
    source_sheet,
    source_row,
    loaded_at
from ({{ framework_in_force('framework_groups') }})
