{#- Where a row gives a value and both feeder data (`numerator`, `denominator`), the value
    agrees with their ratio within rounding (macros/feeders.sql), x 100 for a PI whose unit
    in `to` (the framework in force for the same `within`) is %. The return reader applies
    the same test to each file before loading it, naming the cell
    (orchestration/workbook/rules.py). -#}
{% test agrees_with_feeder_data(model, column_name, numerator, denominator, to, key, within) %}
with fed as (
    select
        child.{{ within }},
        child.{{ key }},
        child.{{ column_name }} as value,
        {{ feeder_ratio('child.' ~ numerator, 'child.' ~ denominator, 'pi.unit') }} as ratio
    from (select * from {{ model }}) as child  -- the model may be a filtered subquery (get_where_subquery)
    inner join {{ to }} as pi
        on pi.{{ key }} = child.{{ key }} and pi.{{ within }} = child.{{ within }} and pi.is_current
    where child.{{ column_name }} is not null
)

select * from fed
where ratio is not null and {{ feeder_disagrees('value', 'ratio') }}
{% endtest %}
