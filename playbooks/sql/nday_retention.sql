/* playbook
id: nday_retention
title: N-day retention
question: Of the people who signed up, how many came back 1, 7, 14 and 28 days later, by segment?
description: >
  Mode's "Retention Cohorts": D1/D7/D14/D28 retention of the people who signed up in the range,
  split by a person attribute (signup weekday by default; channel, platform, plan, ...). A person
  counts for day N only once day N is over, so young signups never drag a number down.
presenter: nday_retention
chart: heatmap
params:
  start: {type: date, help: first signup day (inclusive)}
  end: {type: date, help: day after the last signup day (exclusive)}
  group_by: {type: dimension, applies: users, default: signup_weekday, help: "signup weekday (default), channel, platform, plan, ..."}
  top: {type: int, default: 7, min: 1, max: 20, help: "the N largest segments; the rest are Other"}
  filters: {type: filters, applies: users, help: "only people whose signup matches, e.g. platform:iOS"}
  event: {type: event, returning: true, help: "what counts as coming back (default: any event)"}
  retained:
    type: enum
    choices: [on_day, on_or_after]
    default: on_day
    help: "on_day: active on day N itself; on_or_after: active on day N or any day since"
    words: {on_or_after: [or later, on or after, unbounded, or after]}
  periods:
    type: enum
    choices: [calendar, since_signup]
    default: calendar
    help: "calendar: day N is the N-th calendar day after the signup day; since_signup: the N-th 24 hours after the signup moment"
    words: {since_signup: [since signup, since their signup, since each signup, since sign up, 24-hour days,
                           24 hour days, since their own signup, amplitude style]}
events_between: [start, tomorrow]
rollup: {times: true, days: true}  # by day, and each day's first and last event (docs/rollup.md)
default_range: {day: 90}
words: [1-day retention, 7-day retention, 14-day retention, 28-day retention, 30-day retention, 30 day retention, 7-day return rate, 30-day return rate, n-day retention, n day retention, day n retention, d1, d7, d14, d28, d1 retention, d7 retention,
        d14 retention, d28 retention, day 1 retention, day 7 retention, day 14 retention, day 28 retention,
        1 day retention, 7 day retention, 14 day retention, 28 day retention, d1 d7 d28, day-7 retention, next-day,
        next day, next-day return, next day return, return rate, day 1, day-1, day 7, day-7, day 14, day 28, day 30,
        day-30, d30, d3, d2, day 2, day 3, come back on day, came back on day, come back the next day,
        came back the next day, back the next day, a week later, a day later, a month later, exactly a week later,
        day n, at d7, at d1, at d30, d1 retention rate, d7 return, day after they sign up,
        the day after they sign up, after their first day, day after signup, day after signing up, next day after,
        7 days later, 1 day later, 14 days later, 28 days later, 30 days later, came back 7 days later,
        come back 7 days later, came back 1 day later, came back 30 days later, back 7 days later,
        next-day retention, next day retention, next-day return rate, next day return rate, day-after retention,
        back after a day, back after a week, back after a month, back after 1 day, back after 2 days, back after 3 days, back after 7 days, back after 14 days, back after 28 days, back after 30 days, back after 1 week, back after 2 weeks, back after 4 weeks, back after 1 month, back after one week, back after two weeks,
        still around after a day, still around after a week, still around after a month, still around after 1 day, still around after 2 days, still around after 3 days, still around after 7 days, still around after 14 days, still around after 28 days, still around after 30 days, still around after 1 week, still around after 2 weeks, still around after 4 weeks, still around after 1 month, still around after one week, still around after two weeks,
        still active after a day, still active after a week, still active after a month, still active after 1 day, still active after 2 days, still active after 3 days, still active after 7 days, still active after 14 days, still active after 28 days, still active after 30 days, still active after 1 week, still active after 2 weeks, still active after 4 weeks, still active after 1 month, still active after one week, still active after two weeks,
        still using it after a day, still using it after a week, still using it after a month, still using it after 1 day, still using it after 2 days, still using it after 3 days, still using it after 7 days, still using it after 14 days, still using it after 28 days, still using it after 30 days, still using it after 1 week, still using it after 2 weeks, still using it after 4 weeks, still using it after 1 month, still using it after one week, still using it after two weeks,
        returned after a day, returned after a week, returned after a month, returned after 1 day, returned after 2 days, returned after 3 days, returned after 7 days, returned after 14 days, returned after 28 days, returned after 30 days, returned after 1 week, returned after 2 weeks, returned after 4 weeks, returned after 1 month, returned after one week, returned after two weeks,
        still here after a day, still here after a week, still here after a month, still here after 1 day, still here after 2 days, still here after 3 days, still here after 7 days, still here after 14 days, still here after 28 days, still here after 30 days, still here after 1 week, still here after 2 weeks, still here after 4 weeks, still here after 1 month, still here after one week, still here after two weeks,
        d30 retention, d60 retention, d90 retention, d3 retention, d2 retention, day 30 retention, d30 return,
        come back less on day 1, come back on day 1, back on day 1, on day 1, on day 7, on day 30, on day one,
        the very next day, very next day]
definitions: []
examples:
  - n-day retention
  - d7 retention by channel
  - day 1 retention by signup weekday
  - 28 day retention by platform last 60 days
  - d1 d7 d28 by plan
  - 7 day retention or later for ios users
  - d1 d7 retention since signup
*/
{% if not event and 'person_returns' in derived %}
{#- the same numbers from the rollup's derived tables (docs/rollup.md "Retention tables"): each signed-in
    person's days of activity since signup (calendar days, and whole 24 hours) and last activity, worked out
    at the build; people counted per segment and day N, then the two counts set side by side. Read only
    inside the embedded DuckDB rollup, so joins are used where the branches below avoid them for
    PostgreSQL's planner. -#}
WITH {% include "signups.sql" %},
windows AS (
  SELECT 1 AS day_n UNION ALL SELECT 7 UNION ALL SELECT 14 UNION ALL SELECT 28
),
{% if periods == 'since_signup' %}
{% set over = "EXTRACT(EPOCH FROM (:now - s.activated_at)) >= (w.day_n + 1) * 86400" %}
{% else %}
{% set over = "w.day_n + 1 <= " ~ periods_between(trunc('s.activated_at', 'day'), trunc(':now', 'day'), 'day') %}
{% endif %}
eligible AS (
  SELECT s.segment, w.day_n, COUNT(*) AS people
  FROM signups s
  CROSS JOIN windows w
  WHERE {{ over }}
  GROUP BY 1, 2
),
retained AS (
  SELECT s.segment, w.day_n, COUNT(*) AS people
  FROM signups s
{% if retained == 'on_or_after' %}
  JOIN person_last_seen l ON l.user_id = s.user_id
  CROSS JOIN windows w
{% if periods == 'since_signup' %}
  WHERE l.last_at >= s.activated_at AND EXTRACT(EPOCH FROM (l.last_at - s.activated_at)) >= w.day_n * 86400
{% else %}
  WHERE l.last_day >= CAST({{ trunc('s.activated_at', 'day') }} AS DATE) + w.day_n
{% endif %}
{% else %}
  JOIN person_returns r ON r.user_id = s.user_id AND r.step = {{ 86400 if periods == 'since_signup' else 0 }}
  JOIN windows w ON w.day_n = r.n
  WHERE TRUE
{% endif %}
    AND {{ over }}
  GROUP BY 1, 2
)
SELECT e.segment, e.day_n, CAST(e.people AS BIGINT) AS eligible, CAST(COALESCE(r.people, 0) AS BIGINT) AS retained,
       CAST(COALESCE(r.people, 0) AS DOUBLE PRECISION) / e.people AS retention
FROM eligible e
LEFT JOIN retained r ON r.day_n = e.day_n AND r.segment IS NOT DISTINCT FROM e.segment
ORDER BY 1, 2
{% else %}
WITH {% include "signups.sql" %},
windows AS (
  SELECT 1 AS day_n UNION ALL SELECT 7 UNION ALL SELECT 14 UNION ALL SELECT 28
),
{% if periods == 'since_signup' %}
-- day N: the N-th 24 hours after the signup moment, over once signup + (N + 1) x 24 h is at or before now
eligible AS (
  SELECT s.user_id, s.segment, w.day_n, s.activated_at
  FROM signups s
  CROSS JOIN windows w
  WHERE EXTRACT(EPOCH FROM (:now - s.activated_at)) >= (w.day_n + 1) * 86400
),
-- each person's days with activity, their first and last event: a calendar day spans at most two of
-- these 24-hour days, so its first and last events (those at or after the signup) name every one it
-- touches; set beside each person's signup by a window, not joined to it (docs/warehouses.md)
active_days AS (
  SELECT CAST({{ trunc('occurred_at', 'day') }} AS DATE) AS day, user_id, MIN(occurred_at) AS first_at,
         MAX(occurred_at) AS last_at
{% include "coming_back.sql" %}
  GROUP BY 1, 2
),
placed AS (
  SELECT first_at, last_at, user_id, MAX(activated_at) OVER (PARTITION BY user_id) AS activated_at,
         MAX(segment) OVER (PARTITION BY user_id) AS segment
  FROM (
    SELECT user_id, activated_at, segment, CAST(NULL AS TIMESTAMP) AS first_at, CAST(NULL AS TIMESTAMP) AS last_at
    FROM signups
    UNION ALL
    SELECT user_id, NULL, NULL, first_at, last_at FROM active_days
  ) side_by_side
),
{% if retained == 'on_or_after' %}
last_seen AS (
  SELECT user_id, segment, activated_at, MAX(last_at) AS last_at
  FROM placed
  WHERE last_at >= activated_at
  GROUP BY 1, 2, 3
),
retained AS (
  SELECT l.user_id, w.day_n, l.segment
  FROM last_seen l
  CROSS JOIN windows w
  WHERE EXTRACT(EPOCH FROM (l.last_at - l.activated_at)) >= w.day_n * 86400
    AND EXTRACT(EPOCH FROM (:now - l.activated_at)) >= (w.day_n + 1) * 86400
),
{% else %}
retained AS (
  SELECT DISTINCT t.user_id, w.day_n, t.segment
  FROM (
    SELECT user_id, segment, activated_at, FLOOR(EXTRACT(EPOCH FROM (first_at - activated_at)) / 86400) AS day_n
    FROM placed
    WHERE first_at >= activated_at
    UNION ALL
    SELECT user_id, segment, activated_at, FLOOR(EXTRACT(EPOCH FROM (last_at - activated_at)) / 86400) AS day_n
    FROM placed
    WHERE last_at >= activated_at
  ) t
  JOIN windows w ON w.day_n = t.day_n
  WHERE EXTRACT(EPOCH FROM (:now - t.activated_at)) >= (w.day_n + 1) * 86400
),
{% endif %}
{% else %}
eligible AS (
  -- day N is over: the signup day + N + 1 days is at or before the start of the day of the question
  SELECT s.user_id, s.segment, w.day_n, CAST({{ trunc('s.activated_at', 'day') }} AS DATE) AS signup_day
  FROM signups s
  CROSS JOIN windows w
  WHERE w.day_n + 1 <= {{ periods_between(trunc('s.activated_at', 'day'), trunc(':now', 'day'), 'day') }}
),
active_days AS (
  SELECT DISTINCT CAST({{ trunc('occurred_at', 'day') }} AS DATE) AS day, user_id
{% include "coming_back.sql" %}
),
-- each person's signup set beside their active days (UNION ALL and a window per person) rather than
-- joined to them: a join of two inputs whose sizes PostgreSQL guesses (tables never analysed) can
-- become a nested loop over both (docs/warehouses.md "Plans that do not depend on statistics")
placed AS (
  SELECT day, MAX(signup_day) OVER (PARTITION BY user_id) AS signup_day,
         MAX(segment) OVER (PARTITION BY user_id) AS segment, user_id
  FROM (
    SELECT user_id, CAST({{ trunc('activated_at', 'day') }} AS DATE) AS signup_day, segment, CAST(NULL AS DATE) AS day
    FROM signups
    UNION ALL
    SELECT user_id, NULL, NULL, day FROM active_days
  ) side_by_side
),
{% if retained == 'on_or_after' %}
last_days AS (
  -- on day N or any day since: only each person's last active day matters
  SELECT user_id, segment, signup_day, MAX(day) AS last_day
  FROM placed
  WHERE day IS NOT NULL AND signup_day IS NOT NULL
  GROUP BY 1, 2, 3
),
retained AS (
  SELECT l.user_id, w.day_n, l.segment
  FROM last_days l
  CROSS JOIN windows w
  WHERE l.last_day >= l.signup_day + w.day_n
    AND w.day_n + 1 <= {{ periods_between('l.signup_day', trunc(':now', 'day'), 'day') }}
),
{% else %}
retained AS (
  -- one active day is day N of at most one N: each (person, N) once
  SELECT p.user_id, w.day_n, p.segment
  FROM placed p
  JOIN windows w ON w.day_n = p.day - p.signup_day
  WHERE p.day IS NOT NULL AND p.signup_day IS NOT NULL
    AND w.day_n + 1 <= {{ periods_between('p.signup_day', trunc(':now', 'day'), 'day') }}
),
{% endif %}
{% endif %}
-- counted side by side rather than eligible LEFT JOIN retained: PostgreSQL estimates these CTEs at
-- a row or two and turned that join into a nested loop over eligible x retained (minutes at 1M events)
marks AS (
  SELECT segment, day_n, 1 AS is_eligible, 0 AS is_retained FROM eligible
  UNION ALL
  SELECT segment, day_n, 0, 1 FROM retained
)
SELECT segment, day_n, CAST(SUM(is_eligible) AS BIGINT) AS eligible, CAST(SUM(is_retained) AS BIGINT) AS retained,
       CAST(SUM(is_retained) AS DOUBLE PRECISION) / SUM(is_eligible) AS retention
FROM marks
GROUP BY 1, 2
ORDER BY 1, 2
{% endif %}
