{#- Every non-null value of `column_name` is a value of `field` in `to` for the same
    `within` (e.g. a return's PI code is one of its own council's framework's codes: two
    councils may use one code for different PIs). The return and framework readers apply
    the same test to each file before loading it (orchestration/workbook/rules.py). -#}
{% test relationships_within(model, column_name, to, field, within) %}
select child.{{ column_name }}, child.{{ within }}
from (select * from {{ model }}) as child  -- the model may be a filtered subquery (get_where_subquery)
where child.{{ column_name }} is not null
    and not exists (
        select 1 from {{ to }} as parent
        where parent.{{ field }} = child.{{ column_name }}
            and parent.{{ within }} = child.{{ within }}
    )
{% endtest %}
