{#- The rows of a raw framework table from each council's framework in force: its latest
    accepted load (every load is kept in raw.framework_*, so history stays queryable; a
    rejected workbook is never written, so the last good one stays in force). -#}
{% macro framework_in_force(table) -%}
    select t.*
    from {{ source('raw', table) }} as t
    inner join (
        select council, max(loaded_at) as loaded_at
        from {{ source('raw', 'framework_files') }}
        group by council
    ) as latest using (council, loaded_at)
{%- endmacro %}
