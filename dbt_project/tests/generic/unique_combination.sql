{#- Rows whose combination of `columns` is not unique (dbt_utils' test, without the package:
    dbt deps cannot reach the package hub from here). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
