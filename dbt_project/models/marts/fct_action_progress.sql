-- Action progress per reporting period, as in force now. `status` (the action's lifecycle
-- state from progress and due date) is computed in fct_action_progress_history.
-- The rows in force now of fct_action_progress_history, where the rule is written.
{{ config(materialized='incremental', incremental_strategy='replace_window', window_reach=0) }}

select * exclude (submitted_at, superseded_at, replaced_at, is_current)
from {{ ref('fct_action_progress_history') }}
where is_current and {{ in_returns_window() }}
order by council, service, action_code  -- clustered for per-council reads
