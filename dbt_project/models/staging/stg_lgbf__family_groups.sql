-- Family groups per conformed council name.
select
    names.council,
    fg.people_services_family_group,
    fg.other_services_family_group,
    fg.source_file,
    fg.source_sha256
from {{ source('raw', 'lgbf_family_groups') }} as fg
inner join {{ ref('stg_reference__council_names') }} as names
    on names.name_variant = trim(fg.council_published)
