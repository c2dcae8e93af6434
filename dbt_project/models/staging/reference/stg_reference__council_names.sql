-- Every spelling of a council name we accept, mapped to the conformed (LGBF) name.
select council as name_variant, council from {{ ref('councils') }}
union
select trim(unnest(string_split(aliases, '|'))) as name_variant, council
from {{ ref('councils') }}
where aliases is not null and aliases <> ''
