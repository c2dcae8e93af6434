{#- Conformed LGBF code: spaces dropped and the number's zero padding removed, so the
    workbook's `CHN8a` / `CORP 6b` and the open data's `CHN08a` / `CORP06b` / `C&L02`
    become `CHN8a`, `CORP6b`, `C&L2`. -#}
{% macro lgbf_code(column) -%}
    regexp_replace(regexp_replace(trim({{ column }}), '\s+', '', 'g'), '^([A-Za-z&-]*?[A-Za-z&])0+(\d)', '\1\2')
{%- endmacro %}

{#- A published period `YYYY-YY`: a single financial year when the second year follows the
    first (`2017-18`), else a rolling multi-year period (`2016-19`: 2016/17 to 2018/19). -#}
{% macro lgbf_is_single_year(column) -%}
    ((cast(left({{ column }}, 4) as integer) + 1) % 100 = cast(right({{ column }}, 2) as integer))
{%- endmacro %}

{#- '2017-18' -> '2017/18' (the dim_period label); rolling periods give null. -#}
{% macro lgbf_financial_year(column) -%}
    case
        when regexp_matches({{ column }}, '^\d{4}-\d{2}$') and {{ lgbf_is_single_year(column) }}
            then replace({{ column }}, '-', '/')
    end
{%- endmacro %}

{#- The period label as published with a slash: '2017-18' -> '2017/18', '2016-19' -> '2016/19'. -#}
{% macro lgbf_period(column) -%}
    case when regexp_matches({{ column }}, '^\d{4}-\d{2}$') then replace({{ column }}, '-', '/') end
{%- endmacro %}

{#- The unit from a metadata title (the metadata has no unit column): "percentage point" is a
    gap in points; "%", "percent", "proportion" a percentage (stored in percentage points);
    "cost", "£", "spend", "expenditure" money. -#}
{% macro lgbf_unit(title) -%}
    case
        when regexp_matches(lower({{ title }}), 'percentage point') then 'pp'
        when regexp_matches(lower({{ title }}), '%|percent|proportion') then '%'
        when regexp_matches(lower({{ title }}), 'cost|£|spend|expenditure') then '£'
        else 'number'
    end
{%- endmacro %}
