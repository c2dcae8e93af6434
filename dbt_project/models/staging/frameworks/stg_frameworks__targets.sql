-- Targets per council, service, indicator and financial year from the framework in force:
-- the annual target and, where the framework profiles the year, a target per quarter.
select
    council || '|' || indicator_code || '|' || financial_year as target_id,
    council,
    service,
    indicator_code,
    financial_year,
    annual_target,
    q1_target,
    q2_target,
    q3_target,
    q4_target,
    source_ref,
    source_file,
    source_sha256,
    source_sheet,
    source_row,
    loaded_at
from ({{ framework_in_force('framework_targets') }})
