{#- Rows whose value lies outside [min_value, max_value] (dbt_utils' test of the same name,
    without the package: dbt deps cannot reach the package hub from here). Nulls pass. -#}
{% test accepted_range(model, column_name, min_value, max_value) %}
select {{ column_name }} as out_of_range
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
