{#- Conformed LGBF code: spaces dropped and the number's zero padding removed, so the
    workbook's `CHN8a` / `CORP 6b` and the open data's `CHN08a` / `CORP06b` / `C&L02`
    become `CHN8a`, `CORP6b`, `C&L2`. -#}
{% macro lgbf_code(column) -%}
    regexp_replace(regexp_replace(trim({{ column }}), '\s+', '', 'g'), '^([A-Za-z&-]*?[A-Za-z&])0+(\d)', '\1\2')
{%- endmacro %}

{#- '2017-18' -> '2017/18' (the dim_period label); multi-year rolling periods such as
    '2012-15' are not financial years and give null. -#}
{% macro lgbf_financial_year(column) -%}
    case
        when regexp_matches({{ column }}, '^\d{4}-\d{2}$')
            and (cast(left({{ column }}, 4) as integer) + 1) % 100 = cast(right({{ column }}, 2) as integer)
            then replace({{ column }}, '-', '/')
    end
{%- endmacro %}
