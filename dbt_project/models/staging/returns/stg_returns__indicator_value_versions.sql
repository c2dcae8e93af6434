-- Every version of every indicator value returned: council x service x indicator x period x
-- submission (the row loaded now, and each row a resubmission replaced, macros/return_versions.sql).
-- stg_returns__indicator_values is the versions in force now.
-- Percentages are canonicalised to percentage points here, where the indicator's unit is
-- known (see docs/return_format.md): the reader has already turned "98%" and 98%-formatted
-- cells into 98; a plain number strictly between 0 and 1 for a % indicator is a proportion.
with source as (
    select * from {{ return_versions('return_indicator_values') }}
),

catalogue as (
    -- the unit of the PI in the return's own council's framework (today's settings)
    select council, indicator_code, unit from {{ ref('stg_frameworks__indicators') }}
    where is_current
),

typed as (
    select
        source.council,
        source.service,
        source.financial_year,
        case when source.period = 'year' then null else source.file_quarter end as quarter,
        source.period as period_type,
        source.indicator_code,
        case
            when catalogue.unit = '%' and not source.value_is_percent
                and source.value > 0 and source.value < 1
                then round(source.value * 100, 10)
            else source.value
        end as value,
        source.numerator,
        source.denominator,
        -- The reader has already canonicalised the status (RAG words included).
        source.reported_status,
        source.note,
        {{ return_version_columns('source') }}
    from source
    left join catalogue using (council, indicator_code)
)

select
    council || '|' || service || '|' || indicator_code || '|' || financial_year || '|'
        || coalesce('Q' || quarter, 'Year') as indicator_value_id,
    *
from typed
