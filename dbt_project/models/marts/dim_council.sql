-- Scotland's councils with GSS code, the LGBF spelling of the name, and the LGBF family
-- groups (people services: by deprivation; other services: by population density), from the
-- project's family-group reference (SIMDvalues.xlsx), or a family-group file landed later.
select
    councils.gss_code,
    councils.council,
    councils.official_name,
    coalesce(string_split(nullif(councils.aliases, ''), '|'), []) as aliases,
    fg.people_services_family_group,
    fg.other_services_family_group
from {{ ref('councils') }} as councils
left join {{ ref('stg_lgbf__family_groups') }} as fg using (council)
