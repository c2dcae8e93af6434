{#
  on-run-end: drop the tables and views in the project's own schemas (staging, marts,
  reference) that no model or seed of this project defines any more. dbt never drops a
  relation whose model was renamed or deleted; without this a renamed mart (lgbf_benchmark,
  now fct_lgbf_benchmark) would live on in every deployment's warehouse, served stale beside
  the new one. raw and meta belong to the Python pipeline and are never touched. By hand:
  dbt run-operation drop_relations_no_model_defines
#}
{% macro drop_relations_no_model_defines() %}
  {% if execute and flags.WHICH in ('build', 'run', 'seed', 'run-operation') %}
    {% set schemas = ['staging', 'marts', 'reference'] %}
    {% set defined = [] %}
    {% for node in graph.nodes.values() if node.resource_type in ('model', 'seed', 'snapshot') %}
      {% do defined.append((node.schema ~ '.' ~ (node.alias or node.name)) | lower) %}
    {% endfor %}
    {% set found = run_query(
        "select schema_name, table_name, case when table_type = 'VIEW' then 'view' else 'table' end "
        ~ "from (select schema_name, table_name, 'BASE TABLE' as table_type from duckdb_tables() "
        ~ "where database_name = current_database() union all select schema_name, view_name, 'VIEW' "
        ~ "from duckdb_views() where database_name = current_database() and not internal) "
        ~ "where schema_name in ('" ~ schemas | join("', '") ~ "')"
    ) %}
    {% for row in found.rows %}
      {% if (row[0] ~ '.' ~ row[1]) | lower not in defined %}
        {% do log("Dropping " ~ row[0] ~ "." ~ row[1] ~ ": no model defines it any more", info=true) %}
        {% do run_query("drop " ~ row[2] ~ " if exists " ~ adapter.quote(row[0]) ~ "." ~ adapter.quote(row[1]) ~ " cascade") %}
      {% endif %}
    {% endfor %}
  {% endif %}
{% endmacro %}
