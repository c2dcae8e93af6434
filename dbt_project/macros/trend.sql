{#- Direction-aware trend of `value` against `compared_with`:
    Improving / Getting Worse / No Change; null for data-only indicators or no comparison.
    Goldilocks (`centre`: the middle of its band): closer to the centre is Improving. -#}
{% macro trend(value, compared_with, direction, centre='null') -%}
    case
        when {{ value }} is null or {{ compared_with }} is null or {{ direction }} = 'data_only' then null
        when {{ direction }} = 'goldilocks' and {{ centre }} is null then null
        when {{ direction }} = 'goldilocks' then case
            when round(abs({{ value }} - {{ centre }}), 6) = round(abs({{ compared_with }} - {{ centre }}), 6) then 'No Change'
            when abs({{ value }} - {{ centre }}) < abs({{ compared_with }} - {{ centre }}) then 'Improving'
            else 'Getting Worse'
        end
        when round({{ value }}, 6) = round({{ compared_with }}, 6) then 'No Change'
        when ({{ direction }} = 'higher_is_better') = ({{ value }} > {{ compared_with }}) then 'Improving'
        else 'Getting Worse'
    end
{%- endmacro %}
