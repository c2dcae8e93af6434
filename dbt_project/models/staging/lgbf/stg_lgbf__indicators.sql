-- The LGBF indicator reference: the project's own seed (lgbf_indicator_reference, from the
-- Improvement Service's metadata file) with any metadata file landed later taking a code's
-- place, then the corrections seed's direction fixes. `-Real` rows of the metadata title the
-- real-terms columns of the same indicator. Direction, unit and family-group basis are
-- derived here, once, for both sources:
--   direction           One is high: Yes = higher_is_better, No = lower_is_better (or the
--                       correction's, with its reason);
--   unit                from the title (macro lgbf_unit; the metadata has no unit column);
--   family_group_basis  "People Services" indicators compare within the deprivation family
--                       group, the others within the population-density one.
with landed as (
    select
        code_published, title, category, domain, one_is_high,
        null::varchar as periods,
        source_file, source_sha256, source_row,
        'landed metadata' as reference_source
    from {{ source('raw', 'lgbf_indicator_metadata') }}
),

seeded as (
    select
        code_published, title, category, domain, one_is_high, periods,
        source_file, source_sha256, source_row,
        'project reference' as reference_source
    from {{ ref('lgbf_indicator_reference') }}
),

combined as (
    select *, {{ lgbf_code("replace(code_published, '-Real', '')") }} as indicator_code,
        code_published like '%-Real' as is_real_title
    from (select * from landed union all select * from seeded)
),

chosen as (
    -- per code: the landed file's row over the seed's
    select *
    from combined
    where not is_real_title
    qualify row_number() over (
        partition by indicator_code order by (reference_source = 'landed metadata') desc, code_published
    ) = 1
),

real_titles as (
    select indicator_code, arg_min(title, (reference_source = 'project reference')::int) as real_terms_title
    from combined where is_real_title group by indicator_code
),

periods as (
    select {{ lgbf_code('code_published') }} as indicator_code, any_value(periods) as periods
    from seeded group by all
),

direction_fixes as (
    select indicator_code, direction, reason
    from {{ ref('lgbf_corrections') }}
    where correction = 'direction'
)

select
    chosen.indicator_code,
    chosen.code_published,
    chosen.title,
    real_titles.real_terms_title,
    chosen.category,
    chosen.domain,
    coalesce(
        direction_fixes.direction,
        case chosen.one_is_high when 'Yes' then 'higher_is_better' when 'No' then 'lower_is_better' end
    ) as direction,
    chosen.one_is_high as one_is_high_published,
    direction_fixes.reason as direction_correction,
    {{ lgbf_unit('chosen.title') }} as unit,
    case when chosen.category = 'People Services' then 'people' else 'other' end as family_group_basis,
    periods.periods,
    chosen.reference_source,
    chosen.source_file,
    chosen.source_sha256,
    chosen.source_row
from chosen
left join real_titles using (indicator_code)
left join periods using (indicator_code)
left join direction_fixes using (indicator_code)
