/* playbook
id: event_volume
title: Event volume
question: How many times did an event happen, and by how many users?
description: >
  Counts occurrences of one event per hour, day, week or month over a date range, with the number of
  distinct users who did it. Rows with an empty period are totals for the whole range (distinct
  users cannot be added up across periods). With group_by, the top N values of the dimension
  and "Other".
presenter: volume
chart: line
scope: [event]
params:
  event: {type: event, required: true, help: "the event to count, e.g. Invite Sent"}
  start: {type: date, help: first day of the range (inclusive)}
  end: {type: date, help: day after the range (exclusive)}
  interval: {type: interval, default: day, choices: [hour, day, week, month, quarter]}
  group_by: {type: dimension, help: "break down by platform, os, device, channel, plan, country, ..."}
  top: {type: int, default: 5, min: 1, max: 20, help: "with group_by: the N largest values; the rest are Other"}
  filters: {type: filters, help: "only events matching, e.g. platform:iOS, plan:pro"}
  compare: {type: enum, choices: [previous, week, year], help: "compare with the period before, a week or a year earlier"}
# counts by day or coarser (hourly: raw events): the activity rollup answers it when fresh, its rows' `n` summed
# where raw events are counted one by one (docs/rollup.md)
rollup: {unless: {interval: [hour]}}
default_range: {hour: 2, day: 30, week: 12, month: 12, quarter: 4}
words: [went out, did we send, have we sent, how many, count, number of, volume, times, total, happened, occurrences, how often, frequency, tally]
# said in questions about anything ("how many actives"): each word weighs about half, so another playbook's
# words win over them (questions/steps.py best_playbook)
weak_words: [how many, number of, count, total, times, how often]
definitions:
  - "Events: every occurrence of the event; users: distinct people (stitched across devices) who did it."
examples:
  - invites yesterday
  - messages sent last 30 days
  - signups per week since 2026-09-01
  - how many photos were shared this month
  - signups last week by platform
*/
{#- on the rollup a row holds `n` events of one person, day, source and dimensions; on raw events a row is one -#}
{%- set counted = "CAST(COALESCE(SUM(n), 0) AS BIGINT)" if rollup else "COUNT(*)" -%}
{% if group_by %}
WITH matched AS (
  SELECT occurred_at, {% if utc_hours %}occurred_at_utc, {% endif %}user_id, {% if rollup %}n, {% endif %}COALESCE({{ group_by }}, '(none)') AS segment
  FROM events
  WHERE event_name = :event
    AND occurred_at >= :start AND occurred_at < :end
    {{ filters }}
),
ranked AS (
  SELECT segment, ROW_NUMBER() OVER (ORDER BY {{ counted }} DESC, segment) AS segment_rank
  FROM matched
  GROUP BY segment
),
labelled AS (
  SELECT m.occurred_at, {% if utc_hours %}m.occurred_at_utc, {% endif %}m.user_id, {% if rollup %}m.n, {% endif %}
         CASE WHEN r.segment_rank <= :top THEN m.segment ELSE 'Other' END AS segment
  FROM matched m
  JOIN ranked r ON r.segment = m.segment
)
SELECT {{ trunc('occurred_at') }} AS period, segment, {{ counted }} AS events, COUNT(DISTINCT user_id) AS users
FROM labelled
GROUP BY 1, 2
UNION ALL
-- per segment over the whole range
SELECT NULL AS period, segment, {{ counted }} AS events, COUNT(DISTINCT user_id) AS users
FROM labelled
GROUP BY segment
UNION ALL
-- the whole range
SELECT NULL AS period, NULL AS segment, {{ counted }} AS events, COUNT(DISTINCT user_id) AS users
FROM labelled
ORDER BY 1, 2
{% else %}
WITH
-- events per (period, person) first, so the distinct counts are hashed groups of that, not sorts of
-- every event (PostgreSQL's COUNT(DISTINCT) sorts its input)
per_person AS (
  SELECT {{ trunc('occurred_at') }} AS period, user_id, {{ counted }} AS events
  FROM events
  WHERE event_name = :event
    AND occurred_at >= :start AND occurred_at < :end
    {{ filters }}
  GROUP BY 1, 2
)
SELECT period, CAST(SUM(events) AS BIGINT) AS events, COUNT(*) AS users
FROM per_person
GROUP BY 1
UNION ALL
-- the whole range: distinct users cannot be summed across periods
SELECT NULL AS period, CAST(COALESCE(SUM(events), 0) AS BIGINT) AS events, COUNT(*) AS users
FROM (SELECT user_id, SUM(events) AS events FROM per_person GROUP BY user_id) people
ORDER BY 1
{% endif %}
