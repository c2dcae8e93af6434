{#- Every non-null value of `column_name` is a word of the vocabulary seed `to` (column
    `field`), optionally of its rows where the boolean column `used_for` is true: the one
    declaration of Pentana's gauges, statuses and trends (seeds/pentana_*.csv). The return
    and framework readers apply the same test to each file before loading it
    (orchestration/workbook/rules.py). The failing value first, as accepted_values returns it:
    orchestration/transform/recovery.py traces it back to the return files that hold it. -#}
{% test in_vocabulary(model, column_name, to, field, used_for=none) %}
select {{ column_name }} as value_field, *
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in (
        select {{ field }} from {{ to }}
        {%- if used_for %} where {{ used_for }}{% endif %}
    )
{% endtest %}
