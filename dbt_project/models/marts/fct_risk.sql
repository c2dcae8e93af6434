-- Service risk register entries per period with the score band.
-- The rows in force now of fct_risk_history, where the rule is written.
{{ config(materialized='incremental', incremental_strategy='replace_window', window_reach=0) }}

select * exclude (submitted_at, superseded_at, replaced_at, is_current)
from {{ ref('fct_risk_history') }}
where is_current and {{ in_returns_window() }}
order by council, service, risk_code  -- clustered for per-council reads
