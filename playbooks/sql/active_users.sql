/* playbook
id: active_users
title: Active users
question: How many people used the product (DAU, WAU, MAU) and how sticky is it?
description: >
  Daily: DAU with rolling 7-day (WAU) and 28-day (MAU) active users and stickiness (DAU / MAU)
  for each day. Hourly: distinct active people per hour (raw events). Weekly, monthly or quarterly: calendar WAU, MAU or
  quarterly active users. An active user did at least one
  qualifying event; anonymous visitors are left out unless include_anonymous is true.
presenter: active_users
chart: line
params:
  start: {type: date}
  end: {type: date}
  interval: {type: interval, default: day, choices: [hour, day, week, month, quarter]}
  event: {type: event, help: "count only people who did this event (default: any event)"}
  include_anonymous:
    type: bool
    default: false
    help: count visitors who never signed in
    words: {"true": [unique visitors, how many visitors, number of visitors, visitors did, including anonymous, incl anonymous, anonymous visitors, logged-out visitors, logged out visitors]}
  metric:
    type: enum
    choices: [active, stickiness]
    default: active
    words: {stickiness: [stickiness, sticky, stickier, getting stickier, more sticky, less sticky, dau/mau, dau mau ratio]}
  rolling:
    type: bool
    default: false
    help: "with week/month: rolling 7/28-day windows per day"
    words: {"true": [rolling, trailing]}
  group_by: {type: dimension, help: "active users per platform, plan, channel, ... (calendar periods)"}
  top: {type: int, default: 5, min: 1, max: 20}
  filters: {type: filters, help: "only activity matching, e.g. platform:iOS"}
  compare: {type: enum, choices: [previous, week, year], help: "the one comparison to show: the period before, a week or a year earlier"}
default_range: {hour: 2, day: 30, week: 12, month: 12, quarter: 4}
lookback_days: 27
# reads events only by day (hourly: per hour, raw events): the activity rollup answers it when fresh (docs/rollup.md)
rollup: {days: true, unless: {interval: [hour]}}
words: [distinct actives, active users, active, dau, wau, mau, daily active, weekly active, monthly active, stickiness, sticky, stickier,
        getting stickier, more sticky, shoppers were active, customers were active, buyers were active,
        shoppers active, customers active, how many shoppers were active,
        user count, people using, unique users, active user count, active user, were active, actives, used the app,
        used the product, app usage, product usage, people have used, users have used, have used the app, logged in, log in, who logged in, users logged in, people logged in, people log in,
        users log in, log in daily, logged in daily, ppl logged in, signed in, who signed in, sign in, users signed in,
        people signed in, users do we have, users did we have, using the app,
        engaged users, how many actives, daily actives, weekly actives, monthly actives, user base, people used,
        use the app every day, use the app, using us, use us, people are using, used the shop, use the shop, using the shop, used the store, are actually active, accounts are active, are active,
        unique actives, unique visitors, visitors did]
definitions:
  - "Active user: a signed-in person with at least one event in the period (identity stitched across devices)."
  - "Rolling WAU/MAU: distinct active users in the 7/28 days ending on each day; stickiness = DAU / rolling MAU."
examples:
  - dau
  - active users monthly
  - weekly active users last 12 weeks
  - mau
  - stickiness last 30 days
  - weekly active users by platform
  - active users hourly today
  - quarterly active users
*/
{#- the qualifying activity: signed-in people's (or everyone's) counted events from `lo` to :end -#}
{% macro qualifying(lo) %}
  FROM events
  WHERE occurred_at >= {{ lo }} AND occurred_at < :end
    AND counts_as_activity
    {% if not include_anonymous %}AND NOT is_anonymous{% endif %}
    {% if event %}AND event_name = :event{% endif %}
    {{ filters }}
{%- endmacro %}
{% if (interval == 'day' or rolling or metric == 'stickiness') and not group_by %}
WITH activity AS (
  SELECT DISTINCT user_id, CAST({{ trunc('occurred_at', 'day') }} AS DATE) AS day
{{ qualifying(':_lo') }}
),
-- Rolling WAU/MAU without joining each day to every active day of the window before it (that
-- join grows with days x people): each person's active days become covered intervals
-- [first day of a run, last day + window), a run being active days less than a window apart; the
-- people covered on a day are a running sum of interval starts minus interval ends. A run starts
-- on a day whose previous active day is a window or more before it, and ends on a day whose next
-- one is a window or more after it: one sort of each person's days gives both (LAG and LEAD over
-- the same window), for both windows.
-- (NULLS FIRST: day is never NULL; said so that BigQuery needs no NULLS LAST, which its window
-- aggregates refuse.)
neighbours AS (
  SELECT user_id, day,
         LAG(day) OVER (PARTITION BY user_id ORDER BY day NULLS FIRST) AS prev_day,
         LEAD(day) OVER (PARTITION BY user_id ORDER BY day NULLS FIRST) AS next_day
  FROM activity
),
changes AS (
{% for w in (7, 28) %}
  SELECT day, {{ 1 if w == 7 else 0 }} AS wau, {{ 0 if w == 7 else 1 }} AS mau FROM neighbours
  WHERE prev_day IS NULL OR prev_day <= day - INTERVAL '{{ w }} days'
  UNION ALL SELECT CAST(day + INTERVAL '{{ w }} days' AS DATE), {{ -1 if w == 7 else 0 }}, {{ 0 if w == 7 else -1 }}
  FROM neighbours
  WHERE next_day IS NULL OR next_day >= day + INTERVAL '{{ w }} days'
  UNION ALL
{% endfor %}
  SELECT DISTINCT day, 0, 0 FROM activity WHERE day >= :start
),
running AS (
  SELECT day,
         CAST(SUM(SUM(wau)) OVER (ORDER BY day NULLS FIRST ROWS UNBOUNDED PRECEDING) AS BIGINT) AS wau,
         CAST(SUM(SUM(mau)) OVER (ORDER BY day NULLS FIRST ROWS UNBOUNDED PRECEDING) AS BIGINT) AS mau
  FROM changes
  GROUP BY day
),
-- the day's count beside its running WAU/MAU, grouped by day rather than joined (no join whose plan
-- depends on guessed row counts: docs/warehouses.md "Plans that do not depend on statistics")
per_day AS (
  SELECT day, COUNT(*) AS dau, CAST(NULL AS BIGINT) AS wau, CAST(NULL AS BIGINT) AS mau
  FROM activity
  WHERE day >= :start
  GROUP BY day
  UNION ALL
  SELECT day, NULL, wau, mau FROM running
),
shown AS (
  SELECT day, MAX(dau) AS dau, MAX(wau) AS wau, MAX(mau) AS mau
  FROM per_day
  GROUP BY day
)
SELECT day AS period, dau, wau, mau, CAST(dau AS DOUBLE PRECISION) / NULLIF(mau, 0) AS stickiness
FROM shown
WHERE dau IS NOT NULL
ORDER BY 1
{% elif group_by %}
WITH matched AS (
  SELECT DISTINCT {{ trunc('occurred_at') }} AS period, user_id, COALESCE({{ group_by }}, '(none)') AS segment
{{ qualifying(':start') }}
),
ranked AS (
  SELECT segment, ROW_NUMBER() OVER (ORDER BY COUNT(DISTINCT user_id) DESC, segment) AS segment_rank
  FROM matched
  GROUP BY segment
)
SELECT m.period, CASE WHEN r.segment_rank <= :top THEN m.segment ELSE 'Other' END AS segment,
       COUNT(DISTINCT m.user_id) AS active_users
FROM matched m
JOIN ranked r ON r.segment = m.segment
GROUP BY 1, 2
UNION ALL
-- everyone, once, per period
SELECT period, NULL AS segment, COUNT(DISTINCT user_id) AS active_users
FROM matched
GROUP BY period
ORDER BY 1, 2
{% else %}
-- distinct (period, person) pairs, then a count: hashed on PostgreSQL, where COUNT(DISTINCT) sorted
-- every event of the range (weekly active users at 4M events: 4.1 s -> 2.4 s)
SELECT period, COUNT(*) AS active_users
FROM (
  SELECT DISTINCT {{ trunc('occurred_at') }} AS period, user_id
{{ qualifying(':start') }}
) active
GROUP BY 1
ORDER BY 1
{% endif %}
