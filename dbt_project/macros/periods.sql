{#- The financial periods, written once for every model (the Python twin is
    orchestration/periods.py: FinancialQuarter and FinancialPeriod). The financial year
    runs April-March and is labelled '2019/20'; Q1 = April-June. A period is a quarter or the
    year (quarter null); its key is '2019-20-Q3' (the Dagster partition key) or '2019-20'. -#}

{#- '2019/20' -> 2019 -#}
{% macro fy_start_year(financial_year) -%}
    cast(left({{ financial_year }}, 4) as integer)
{%- endmacro %}

{#- 2019 -> '2019/20' -#}
{% macro fy_label(start_year) -%}
    (({{ start_year }}) || '/' || lpad(cast((({{ start_year }}) + 1) % 100 as varchar), 2, '0'))
{%- endmacro %}

{#- ('2019/20', 3) -> '2019-20-Q3'; ('2019/20', null) -> '2019-20' -#}
{% macro period_key(financial_year, quarter) -%}
    (replace({{ financial_year }}, '/', '-') || coalesce('-Q' || ({{ quarter }}), ''))
{%- endmacro %}

{#- The period's first and last day (the year's when quarter is null). -#}
{% macro period_start(start_year, quarter) -%}
    cast(make_date({{ start_year }}, 4, 1) + to_months(3 * (coalesce({{ quarter }}, 1) - 1)) as date)
{%- endmacro %}

{% macro period_end(start_year, quarter) -%}
    cast(make_date({{ start_year }}, 4, 1) + to_months(3 * coalesce({{ quarter }}, 4)) - interval 1 day as date)
{%- endmacro %}
