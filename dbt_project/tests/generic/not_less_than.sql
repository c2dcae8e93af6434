{#- Where both are given, `column_name` is at least `other` on the same row (e.g. a red
    threshold is no smaller than the amber threshold). The framework reader applies the same
    test to each workbook before loading it (orchestration/workbook/rules.py). -#}
{% test not_less_than(model, column_name, other) %}
select {{ column_name }}, {{ other }}
from {{ model }}
where {{ column_name }} is not null
    and {{ other }} is not null
    and {{ column_name }} < {{ other }}
{% endtest %}
