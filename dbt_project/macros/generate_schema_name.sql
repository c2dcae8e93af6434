{#- Use the configured schema name as is (staging, marts, reference) rather than dbt's
    default "<target schema>_<custom schema>", so analysts query marts.fct_indicator_value. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
