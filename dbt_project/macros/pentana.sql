{#- Pentana's status rules, written once and used twice in fct_indicator_value: with the
    settings in force for the period judged (`status`) and with today's (`status_today`).
    `s` is the prefix of the settings' columns (then_ / today_), `target` the period target.

    miss: how far the value falls short of its target (direction-aware), or lies outside the
          Goldilocks band; 0 or less is On Target.
    allowance: a threshold (amber or red), in the indicator's unit or as a % of the target. -#}
{% macro pentana_miss(s, target) -%}
    case {{ s }}direction
        when 'higher_is_better' then {{ target }} - value
        when 'lower_is_better' then value - {{ target }}
        when 'goldilocks' then greatest(
            coalesce({{ s }}goldilocks_lower, {{ target }}) - value,
            value - coalesce({{ s }}goldilocks_upper, {{ target }}),
            0)
    end
{%- endmacro %}

{#- A threshold as an allowance in the indicator's unit: as given (Absolute), or as a % of the
    target (of the Goldilocks band's centre where there is no target). -#}
{% macro pentana_allowance(s, target, threshold) -%}
    round(
        case when {{ s }}threshold_type = '%'
            then abs(coalesce({{ target }},
                ({{ s }}goldilocks_lower + {{ s }}goldilocks_upper) / 2.0)) * {{ threshold }} / 100.0
            else {{ threshold }}
        end, 6)
{%- endmacro %}

{#- Status. With the amber threshold alone: a miss up to it is Warning, beyond it Off Target.
    With a red threshold too (the two-threshold traffic light): a miss smaller than the amber
    threshold is still On Target, from the amber up to the red threshold Warning, beyond the
    red Off Target. -#}
{% macro pentana_status(s, target) -%}
    case
        when value is null then null
        when {{ s }}direction = 'data_only' or {{ s }}direction is null then 'Data Only'
        when {{ s }}direction = 'goldilocks'
            and coalesce({{ s }}goldilocks_lower, {{ s }}goldilocks_upper, {{ target }}) is null
            then 'Data Only'
        when {{ s }}direction <> 'goldilocks' and {{ target }} is null then 'Data Only'
        -- equal counts as met (to 6 decimal places)
        when round({{ pentana_miss(s, target) }}, 6) <= 0 then 'On Target'
        when {{ s }}red_threshold is not null then case
            when round({{ pentana_miss(s, target) }}, 6)
                < {{ pentana_allowance(s, target, 'coalesce(' ~ s ~ 'amber_threshold, 0)') }}
                then 'On Target'
            when round({{ pentana_miss(s, target) }}, 6)
                <= {{ pentana_allowance(s, target, s ~ 'red_threshold') }}
                then 'Warning'
            else 'Off Target'
        end
        when {{ s }}amber_threshold is not null
            and round({{ pentana_miss(s, target) }}, 6)
                <= {{ pentana_allowance(s, target, s ~ 'amber_threshold') }}
            then 'Warning'
        else 'Off Target'
    end
{%- endmacro %}

{#- The target for the period: a quarter's profiled target where the framework gives one,
    else the annual target x quarter / 4 for pro-rata measures, else the annual target. -#}
{% macro pentana_period_target(s) -%}
    case
        when period_type <> 'quarter' then annual_target
        when quarter_target is not null then quarter_target
        when annual_target is null then null
        when {{ s }}target_phasing = 'pro_rata' then annual_target * quarter / 4.0
        else annual_target
    end
{%- endmacro %}
