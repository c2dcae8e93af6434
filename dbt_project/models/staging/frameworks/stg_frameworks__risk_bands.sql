-- Risk score bands (e.g. High = 15-25 on the 5 x 5 matrix) of each council's framework.
select
    council || '|' || band as risk_band_id,
    council,
    band,
    min_score,
    max_score,
    source_file,
    source_sha256,
    source_sheet,
    source_row,
    loaded_at
from ({{ framework_in_force('framework_risk_bands') }})
