"""Column names of the LGBF open-data CSV, in every naming it has had (standard library only,
so the fetcher can recognise a download without pandas).
"""

from __future__ import annotations

# The naming this project first knew (and writes for the seed transcriptions).
OPEN_DATA_COLUMNS = [
    "Indicators_Information_Code",
    "LA_Information_LocalAuthority",
    "LA_Data_LGBF_Year",
    "LA_Data_LA_IndicatorReal",
    "LA_Data_LA_Numerator_real",
    "LA_Data_LA_Den_Real",
    "Scotland_Data_Scotland_Indicator_Real",
    "Scotland_Data_Scotland_Num_Real",
    "Scotland_Data_Scotland_Den_Real",
    "FG_Data_FG_Avg_Indicator_Real",
    "FG_Data_FG_Avg_Num_Real",
    "FG_Data_FG_Avg_Den_Real",
    "FG_Data_FamilyGroup",
]
# Every accepted column name per field, the first naming first. Fields outside
# OPEN_DATA_REQUIRED may be absent (the later per-council file has no Scotland columns; only the
# later naming has cash figures).
OPEN_DATA_NAMES = {
    "code": ("Indicators_Information_Code", "LA_Data_IndicatorCode", "Code", "IndicatorCode"),
    "council": ("LA_Information_LocalAuthority", "LA_Data_LocalAuthority", "LocalAuthority"),
    "year": ("LA_Data_LGBF_Year", "Year"),
    "value_real": ("LA_Data_LA_IndicatorReal", "LA_Data_IndicatorReal", "LA_IndicatorReal"),
    "value_cash": ("LA_Data_IndicatorCash", "IndicatorCash_LA"),
    "numerator": ("LA_Data_LA_Numerator_real", "LA_Data_NumeratorReal", "LA_Numerator_real"),
    "denominator": ("LA_Data_LA_Den_Real", "LA_Data_DenominatorReal", "LA_Den_Real"),
    "scotland": ("Scotland_Data_Scotland_Indicator_Real", "Scotland_Indicator_Real"),
    "scotland_numerator": ("Scotland_Data_Scotland_Num_Real", "Scotland_Num_Real"),
    "scotland_denominator": ("Scotland_Data_Scotland_Den_Real", "Scotland_Den_Real"),
    "fg_average": ("FG_Data_FG_Avg_Indicator_Real", "FG_Avg_Indicator_Real"),
    "family_group": ("FG_Data_FamilyGroup", "LA_Data_FamilyGroup", "FamilyGroup"),
}
OPEN_DATA_REQUIRED = ("code", "council", "year", "value_real")
# Enough to tell an LGBF open-data file from any other CSV (reading it needs all the above).
OPEN_DATA_MARKERS = ("code", "council")


def open_data_columns(
    header: list[str], required: tuple[str, ...] = OPEN_DATA_REQUIRED
) -> dict[str, str] | None:
    """Field -> the column naming it in this header; None unless every required field is there."""
    names = {h.strip(): h for h in header}
    found = {}
    for field, candidates in OPEN_DATA_NAMES.items():
        hit = next((names[c] for c in candidates if c in names), None)
        if hit is not None:
            found[field] = hit
    return found if all(f in found for f in required) else None
