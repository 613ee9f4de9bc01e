/* playbook
id: feature_adoption
title: Feature adoption
question: How many active people use a feature, and did that change after its launch?
description: >
  Mode's "Measuring Feature Use": per day, week or month, the people who did each feature event
  (and any of them), as a share of that period's active users. A launch date, given or found as
  the first period the feature was used, is marked on the chart and splits before from after.
presenter: feature_adoption
chart: line
params:
  events: {type: events, min: 1, max: 5, help: "the feature's events, e.g. Sticker Sent"}
  start: {type: date}
  end: {type: date}
  interval: {type: interval, default: day, choices: [day, week, month]}
  launch_date: {type: date, help: "the launch to compare before and after (default: the first period the feature was used)"}
  filters: {type: filters, applies: events, help: "only activity matching, e.g. platform:iOS, plan:pro (the feature's users and the active users)"}
  group_by: {type: dimension, help: "adoption per platform, os, device, plan, country, ...: feature users with that value / active users with that value"}
  top: {type: int, default: 5, min: 1, max: 20, help: "with group_by: the N values with the most active users; the rest are Other"}
default_range: {day: 90, week: 12, month: 6}
rollup: {event_days: true}  # distinct people per period and event; unbroken: the signed-in event-days table (docs/rollup.md)
words: [active users are using, actives are using, active users are browsing, feature adoption, fraction of wau, fraction of dau, fraction of mau, fraction of actives, fraction of active users, how many of our active users, how many of our actives, how many actives use, how many active users use, how many actives are using, adoption, adopted, feature usage, feature use, feature users, uses the feature,
        using the feature, share of active users, launch, since launch, after launch, before and after launch,
        how many people use, people using, of weekly actives, of monthly actives, of daily actives, among actives,
        among monthly actives, among weekly actives, share of actives, percent of actives, take off, took off,
        taking off, since they launched, after the launch, since it launched, uptake, adopting, adopt,
        since we shipped, since we launched, shipped, "% of active users", percent of active users, have tried,
        tried, of actives who use, of active users who use, active users have adopted, have adopted, picked them up,
        have picked up, share of active users who, actives who use, actives use, actives using, actives are using,
        active users use, active users using, anyone using, anyone actually using, anybody using, share of wau,
        share of dau, share of mau, widely adopted, adopted among, among active users, "% of actives", "% of wau", wau that, of our actives,
        share of all actives, as a share of actives, as a share of all actives, of all actives, share of all active users, more of our active users, did more of our active users, more active users start,
        adoption over time, adoption trend, adoption over,
        actives actually, how many actives actually, how many actives visit, store adoption,
        how many of our active, of our active users use, of our active people use, active people use, of our actives use]
definitions:
  - "Feature users: people who did the event in the period; share = feature users / active users in the same period."
  - "By a breakdown: per period and value, the people who did the feature's event(s) with that value / the active users with that value in the same period."
examples:
  - sticker adoption
  - feature adoption of sticker sent
  - sticker adoption weekly
  - how many people use stickers
  - photo sharing adoption since 2026-09-01
  - feature usage of stickers and photos by week
  - sticker adoption by platform
*/
{% set feature_list %}{% for i in range(events | length) %}{{ events[i] }}{{ ", " if not loop.last }}{% endfor %}{% endset %}
{#- each event and any of them per period, over everyone once: the answer, and the "All" of a breakdown.
    One row per person and period with a flag per event (and any of them), then one row per period: a
    single grouping of the activity, no DISTINCT of (period, person, event) and no COUNT(DISTINCT) -#}
{% macro overall(source, segment) %}
per_person AS (
  SELECT period, user_id,
{%- for i in range(events | length) %}
         MAX(CASE WHEN event_name = {{ events[i] }} THEN 1 ELSE 0 END) AS used_{{ i }},
{%- endfor %}
         MAX(CASE WHEN event_name IN ({{ feature_list }}) THEN 1 ELSE 0 END) AS used_any
  FROM {{ source }}
  GROUP BY 1, 2
),
per_period AS (
  SELECT period, COUNT(*) AS active_users,
{%- for i in range(events | length) %}
         CAST(SUM(used_{{ i }}) AS BIGINT) AS users_{{ i }},
{%- endfor %}
         CAST(SUM(used_any) AS BIGINT) AS users_any
  FROM per_person
  GROUP BY 1
)
{%- for i in range(events | length) %}
SELECT period, {{ segment }}CAST({{ events[i] }} AS VARCHAR) AS feature, users_{{ i }} AS users, active_users,
       CAST(users_{{ i }} AS DOUBLE PRECISION) / active_users AS share
FROM per_period
WHERE users_{{ i }} > 0
UNION ALL
{%- endfor %}
-- any of the feature's events (feature NULL), also in a period without any use
SELECT period, {{ segment }}NULL AS feature, users_any AS users, active_users,
       CAST(users_any AS DOUBLE PRECISION) / active_users AS share
FROM per_period
{%- endmacro %}
{% if group_by %}
WITH activity AS (
  SELECT DISTINCT {{ trunc('occurred_at') }} AS period, user_id, event_name, COALESCE({{ group_by }}, '(none)') AS segment
  FROM events
  WHERE occurred_at >= :start AND occurred_at < :end
    AND NOT is_anonymous
    AND counts_as_activity
),
-- the values with the most active people over the range; the rest are Other
ranked AS (
  SELECT segment, ROW_NUMBER() OVER (ORDER BY COUNT(DISTINCT user_id) DESC, segment) AS segment_rank
  FROM activity
  GROUP BY segment
),
-- per period, value and person: did any of the feature's events with that value (1) or only other activity (0)
people AS (
  SELECT a.period, CASE WHEN r.segment_rank <= :top THEN a.segment ELSE 'Other' END AS segment, a.user_id,
         MAX(CASE WHEN a.event_name IN ({{ feature_list }}) THEN 1 ELSE 0 END) AS used
  FROM activity a
  JOIN ranked r ON r.segment = a.segment
  GROUP BY 1, 2, 3
),
by_value AS (
  SELECT period, segment, NULL AS feature, CAST(SUM(used) AS BIGINT) AS users, COUNT(*) AS active_users,
         CAST(SUM(used) AS DOUBLE PRECISION) / COUNT(*) AS share
  FROM people
  GROUP BY 1, 2
),
{{ overall('activity', 'NULL AS segment, ') }}
UNION ALL
SELECT period, segment, feature, users, active_users, share FROM by_value
ORDER BY 1, 2, 3
{% else %}
WITH activity AS (
  SELECT {{ trunc('occurred_at') }} AS period, user_id, event_name
  FROM events
  WHERE occurred_at >= :start AND occurred_at < :end
    AND NOT is_anonymous
    AND counts_as_activity
),
{{ overall('activity', '') }}
ORDER BY 1, 2
{% endif %}
