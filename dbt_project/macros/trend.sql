{#- Direction-aware trend of `value` against `compared_with`:
    Improving / Getting Worse / No Change; null for data-only indicators or no comparison. -#}
{% macro trend(value, compared_with, direction) -%}
    case
        when {{ value }} is null or {{ compared_with }} is null or {{ direction }} = 'data_only' then null
        when round({{ value }}, 6) = round({{ compared_with }}, 6) then 'No Change'
        when ({{ direction }} = 'higher_is_better') = ({{ value }} > {{ compared_with }}) then 'Improving'
        else 'Getting Worse'
    end
{%- endmacro %}
