{#- Every non-null value lies within its PI's limits: `min_value` / `max_value` of the PI
    (`key`) in `to`, the framework in force for the same `within` (council), where the
    framework gives them (a % PI defaults to 0-100: stg_frameworks__indicators). The return
    reader applies the same test to each file before loading it, naming the cell
    (orchestration/workbook/rules.py). -#}
{% test within_indicator_limits(model, column_name, to, key, within) %}
select child.{{ within }}, child.{{ key }}, child.{{ column_name }}, pi.min_value, pi.max_value
from (select * from {{ model }}) as child  -- the model may be a filtered subquery (get_where_subquery)
inner join {{ to }} as pi
    on pi.{{ key }} = child.{{ key }} and pi.{{ within }} = child.{{ within }} and pi.is_current
where child.{{ column_name }} < pi.min_value or child.{{ column_name }} > pi.max_value
{% endtest %}
