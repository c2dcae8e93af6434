-- Family groups per conformed council: the project's seed (from SIMDvalues.xlsx), a
-- family-group file landed later taking a council's place.
with combined as (
    select
        council_published, people_services_family_group, other_services_family_group,
        source_file, source_sha256, source_row, 'landed file' as reference_source
    from {{ source('raw', 'lgbf_family_groups') }}
    union all
    select
        council_published, people_services_family_group, other_services_family_group,
        source_file, source_sha256, source_row, 'project reference' as reference_source
    from {{ ref('lgbf_family_group_reference') }}
)

select
    names.council,
    combined.people_services_family_group,
    combined.other_services_family_group,
    combined.reference_source,
    combined.source_file,
    combined.source_sha256,
    combined.source_row
from combined
inner join {{ ref('stg_reference__council_names') }} as names
    on names.name_variant = trim(combined.council_published)
qualify row_number() over (
    partition by names.council order by (combined.reference_source = 'landed file') desc
) = 1
