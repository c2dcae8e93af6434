{#- dbt's accepted_values, returning every failing row instead of one row per distinct bad
    value: dbt counts a test's failures as the rows it returns, so the built-in test reports
    "1 failure" when 9 rows carry the one wrong value. This project-level test takes the
    built-in's place (same name and arguments, same null handling: nulls are not checked),
    so the failure counts dbt and Dagster show are rows, and store_failures keeps the rows. -#}
{% test accepted_values(model, column_name, values, quote=True) %}
-- The failing value first, as in the built-in (value_field): orchestration/transform/recovery.py traces
-- a failed test's first column back to the rows, and return files, that hold it.
select {{ column_name }} as value_field, *
from {{ model }}
where {{ column_name }} not in (
    {%- for value in values -%}
        {% if quote %}'{{ value }}'{% else %}{{ value }}{% endif %}
        {%- if not loop.last %}, {% endif -%}
    {%- endfor -%}
)
{% endtest %}
