{#- Family groups, once an LGBF family-group table exists (see the LGBF models); null before. -#}
{% macro family_group_columns() -%}
    null::integer as people_services_family_group,
    null::integer as other_services_family_group
{%- endmacro %}
