-- Indicator values with computed status and trends: grain council x service x indicator x period,
-- the values in force now. Status, targets and trends are computed once, in
-- fct_indicator_value_history (every version of every value; Pentana's rules, documented there
-- and in docs/status_logic.md); this model is its current versions.
--
-- Incremental by financial year like the history (macros/returns_window.sql): the window's
-- rows are the history's rows just recomputed.
{{ config(materialized='incremental', incremental_strategy='replace_window', window_reach=var('long_trend_max_periods')) }}

select * exclude (indicator_value_version_id, submitted_at, superseded_at, replaced_at, is_current)
from {{ ref('fct_indicator_value_history') }}
where is_current and {{ in_returns_window(reach=4) }}
-- stored by council and service: a report reads one council-service's rows, and DuckDB
-- skips the row groups of the others
order by council, service, indicator_code, financial_year, quarter
