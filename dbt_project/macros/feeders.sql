{#- A value's feeder data: the ratio its numerator and denominator give (x 100 for a % PI),
    and whether the value disagrees with it beyond rounding. Written once, used by the
    staging test that rejects a disagreeing return (tests/generic/agrees_with_feeder_data.sql,
    which the return reader applies at the cell: orchestration/workbook/rules.py) and by
    fct_indicator_value_history's computed_value and feeder_check. -#}
{% macro feeder_ratio(numerator, denominator, unit) -%}
    case
        when {{ numerator }} is null or {{ denominator }} is null or {{ denominator }} = 0 then null
        else {{ numerator }} / {{ denominator }} * case when {{ unit }} = '%' then 100 else 1 end
    end
{%- endmacro %}

{#- Within rounding: half the last digit of the value as printed, a whole number or 2 decimal
    places (the dbt vars feeder_tolerance_whole / feeder_tolerance_decimal). -#}
{% macro feeder_disagrees(value, ratio) -%}
    (abs({{ ratio }} - {{ value }}) > case when {{ value }} = round({{ value }})
        then {{ var('feeder_tolerance_whole') }} else {{ var('feeder_tolerance_decimal') }} end)
{%- endmacro %}
