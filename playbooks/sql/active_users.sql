/* playbook
id: active_users
title: Active users
question: How many people used the product (DAU, WAU, MAU) and how sticky is it?
description: >
  Daily: DAU with rolling 7-day (WAU) and 28-day (MAU) active users and stickiness (DAU / MAU)
  for each day. Weekly or monthly: calendar WAU or MAU. An active user did at least one
  qualifying event; anonymous visitors are left out unless include_anonymous is true.
presenter: active_users
chart: line
params:
  start: {type: date}
  end: {type: date}
  interval: {type: interval, default: day, choices: [day, week, month]}
  event: {type: event, help: "count only people who did this event (default: any event)"}
  include_anonymous: {type: bool, default: false, help: count visitors who never signed in}
  metric:
    type: enum
    choices: [active, stickiness]
    default: active
    words: {stickiness: [stickiness, sticky, dau/mau, dau mau ratio]}
  rolling:
    type: bool
    default: false
    help: "with week/month: rolling 7/28-day windows per day"
    words: {"true": [rolling, trailing]}
  group_by: {type: dimension, help: "active users per platform, plan, channel, ... (calendar periods)"}
  top: {type: int, default: 5, min: 1, max: 20}
  filters: {type: filters, help: "only activity matching, e.g. platform:iOS"}
  compare: {type: enum, choices: [previous, week], help: "the one comparison to show: the period before, or a week earlier"}
default_range: {day: 30, week: 12, month: 12}
lookback_days: 27
words: [active users, active, dau, wau, mau, daily active, weekly active, monthly active, stickiness, sticky, user count, people using]
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
*/
{% if (interval == 'day' or rolling) and not group_by %}
WITH activity AS (
  SELECT DISTINCT user_id, CAST({{ trunc('occurred_at', 'day') }} AS DATE) AS day
  FROM events
  WHERE occurred_at >= :_lo AND occurred_at < :end
    AND counts_as_activity
    {% if not include_anonymous %}AND NOT is_anonymous{% endif %}
    {% if event %}AND event_name = :event{% endif %}
    {{ filters }}
),
days AS (
  SELECT DISTINCT day FROM activity WHERE day >= :start
)
SELECT d.day AS period,
       COUNT(DISTINCT CASE WHEN a.day = d.day THEN a.user_id END) AS dau,
       COUNT(DISTINCT CASE WHEN a.day > d.day - INTERVAL '7 days' THEN a.user_id END) AS wau,
       COUNT(DISTINCT a.user_id) AS mau,
       CAST(COUNT(DISTINCT CASE WHEN a.day = d.day THEN a.user_id END) AS DOUBLE PRECISION)
         / NULLIF(COUNT(DISTINCT a.user_id), 0) AS stickiness
FROM days d
JOIN activity a ON a.day > d.day - INTERVAL '28 days' AND a.day <= d.day
GROUP BY d.day
ORDER BY 1
{% elif group_by %}
WITH matched AS (
  SELECT DISTINCT {{ trunc('occurred_at') }} AS period, user_id, COALESCE({{ group_by }}, '(none)') AS segment
  FROM events
  WHERE occurred_at >= :start AND occurred_at < :end
    AND counts_as_activity
    {% if not include_anonymous %}AND NOT is_anonymous{% endif %}
    {% if event %}AND event_name = :event{% endif %}
    {{ filters }}
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
SELECT {{ trunc('occurred_at') }} AS period,
       COUNT(DISTINCT user_id) AS active_users
FROM events
WHERE occurred_at >= :start AND occurred_at < :end
  AND counts_as_activity
  {% if not include_anonymous %}AND NOT is_anonymous{% endif %}
  {% if event %}AND event_name = :event{% endif %}
  {{ filters }}
GROUP BY 1
ORDER BY 1
{% endif %}
