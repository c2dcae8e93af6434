{#- An average that is the same on every build: a float sum depends on the order DuckDB's
    threads add the numbers in, a decimal sum does not. -#}
{% macro exact_avg(column) -%}
    cast(avg(cast({{ column }} as decimal(38, 12))) as double)
{%- endmacro %}
