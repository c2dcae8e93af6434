{#- Every version of a return's rows: the rows loaded now (raw.<table>) and the rows a
    resubmission replaced (raw.<table>_replaced), each with when it was submitted and when a
    later submission superseded it. Written once, used by the staging models of indicator
    values, actions and risks.

    submitted_at   the return's Metadata "Submitted on" where it gives a date, else when the
                   file was loaded (a backfill loads old quarters today: README "Reports" says
                   which version a report then prints)
    superseded_at  for a replaced row, when the return that replaced it was submitted (its
                   "Submitted on", else when it was loaded); null for the row in force now
    replaced_at    when the replacing file was loaded (load-time order, which never goes
                   backwards; the trends pair versions by it)
    is_current     the row is loaded now (what every mart but the *_history models holds) -#}
{% macro return_versions(table) -%}
    (
        with rows_ as (
            select *, null::timestamp as replaced_at, null::varchar as replaced_by_sha256
            from {{ source('raw', table) }}
            union all by name
            select * from {{ source('raw', table ~ '_replaced') }}
        ),

        submitted as (
            select source_sha256, min({{ submitted_on_timestamp('submitted_on') }}) as submitted_on
            from (
                select source_sha256, submitted_on from {{ source('raw', 'return_files') }}
                union all
                select source_sha256, submitted_on from {{ source('raw', 'return_files_replaced') }}
            )
            group by source_sha256
        )

        select
            rows_.*,
            coalesce(this_file.submitted_on, rows_.loaded_at) as submitted_at,
            case when rows_.replaced_at is not null
                then coalesce(replacing_file.submitted_on, rows_.replaced_at) end as superseded_at,
            rows_.replaced_at is null as is_current
        from rows_
        left join submitted as this_file on this_file.source_sha256 = rows_.source_sha256
        left join submitted as replacing_file on replacing_file.source_sha256 = rows_.replaced_by_sha256
    )
{%- endmacro %}

{#- The Metadata "Submitted on" text ('2020-05-14', or a date and time) as a timestamp; null
    where it is empty or not a date. -#}
{% macro submitted_on_timestamp(column) -%}
    coalesce(try_cast(nullif(trim({{ column }}), '') as timestamp),
             try_cast(try_cast(nullif(trim({{ column }}), '') as date) as timestamp))
{%- endmacro %}

{#- The lineage and version columns every *_versions staging model passes on, in one order:
    where the row came from (partition, file, sha256, sheet, row, cell reference), when it was
    loaded, and the version columns return_versions() adds. `relation`: a table alias to
    qualify them with, where the model joins. -#}
{% macro return_version_columns(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- for column in ['partition_key', 'source_ref', 'source_file', 'source_sha256', 'source_sheet',
                       'source_row', 'loaded_at', 'submitted_at', 'superseded_at', 'replaced_at',
                       'replaced_by_sha256', 'is_current'] -%}
    {{ prefix ~ column }}{{ ',' if not loop.last }}
    {% endfor -%}
{%- endmacro %}
