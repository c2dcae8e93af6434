-- Scotland's councils with GSS code, the LGBF spelling of the name, and the LGBF family
-- groups (people services: by deprivation; other services: by population density). The
-- family groups come from the LGBF family-group source when an LGBF publication with one
-- has been ingested; until then they are null.
select
    councils.gss_code,
    councils.council,
    councils.official_name,
    coalesce(string_split(nullif(councils.aliases, ''), '|'), []) as aliases,
    {{ family_group_columns() }}
from {{ ref('councils') }} as councils
