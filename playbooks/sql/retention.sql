/* playbook
id: retention
title: Cohort retention
question: Of the people who signed up in each week or month, how many came back in later periods?
description: >
  The cohort triangle (Mode's "Describing Retention" report): users grouped by the week or month
  they activated (the activation event, Signed Up by default); for each later period, how many were
  active. Two definitions, named in every answer: calendar periods (default: period k is the k-th
  calendar week or month after the signup one; period 0 is the cohort itself, periods not over yet are
  marked partial) or periods since each person's own signup (periods=since_signup: period k is days
  [k·w, (k+1)·w) after their signup moment, w = 1, 7 or 30 days, as Mode's SQL and Amplitude's n-day
  retention count it; a person counts for period k once it is over).
presenter: retention
chart: heatmap
params:
  start: {type: date, help: first cohort day (inclusive)}
  end: {type: date, help: day after the last cohort (exclusive)}
  interval: {type: interval, default: week, choices: [day, week, month]}
  event: {type: event, help: "what counts as coming back (default: any event)"}
  group_by: {type: dimension, applies: users, help: "retention curves per platform, channel, plan, signup weekday, ... (the value on the signup event)"}
  top: {type: int, default: 5, min: 1, max: 20, help: "with group_by: the N largest segments; the rest are Other"}
  filters: {type: filters, applies: users, help: "only people whose signup matches, e.g. platform:iOS, channel:google"}
  periods:
    type: enum
    choices: [calendar, since_signup]
    default: calendar
    help: "calendar: the k-th calendar week/month after the signup one; since_signup: whole 1/7/30-day steps since each person's signup"
    words: {since_signup: [since signup, since their signup, since each signup, since sign up, since each person's signup,
                           since their own signup, since their start, since each person's start, whole weeks since signup,
                           whole periods since signup, mode style, amplitude style]}
events_between: [start, tomorrow]
default_range: {day: 14, week: 12, month: 6}
words: [retention, retain, retained, cohort, cohorts, come back, came back, churn, return, returning, stick around,
        coming back, keep coming back, keeps coming back, retaining, sticking around]
definitions:
  - "Cohort: users by the period of their first activation event; retention k = cohort members retained in period k / the cohort members it is over for (all of them, for calendar periods that have ended)."
  - "Churn k = (retained k-1 - retained k) / cohort size."
examples:
  - retention weekly
  - monthly retention
  - weekly cohorts since 2026-09-01
  - retention of message senders
  - do users come back
  - weekly retention by channel
  - retention by platform top 3
  - monthly retention for pro users
  - weekly retention since signup
*/
{% set seg = 'segment, ' if group_by else '' %}
{% if periods == 'since_signup' %}
{#- whole steps of 1, 7 or 30 days since each person's own signup moment; a person counts for period k
    once it is over (signup + (k+1) steps <= now), so cells are over the people whose period k is over -#}
{% set step = {'day': 86400, 'week': 604800, 'month': 2592000}[interval] %}
WITH {% include "signups.sql" %},
cohorts AS (
  SELECT user_id, activated_at, {{ trunc('activated_at') }} AS cohort, segment,
         CAST(FLOOR(EXTRACT(EPOCH FROM (:now - activated_at)) / {{ step }}) AS INTEGER) AS periods_over
  FROM signups
),
cohort_sizes AS (
  SELECT {{ seg }}cohort, COUNT(*) AS cohort_size FROM cohorts GROUP BY {{ seg }}cohort
),
-- each person's days with activity since :start, their first and last event: a calendar day spans at
-- most two of these steps (1, 7 or 30 days), so its first and last events (those at or after the
-- signup) name every step it touches. Set beside each person's signup by a window, not joined to it
-- (docs/warehouses.md "Plans that do not depend on statistics").
active_days AS (
  SELECT CAST({{ trunc('occurred_at', 'day') }} AS DATE) AS day, user_id, MIN(occurred_at) AS first_at,
         MAX(occurred_at) AS last_at
{% include "coming_back.sql" %}
  GROUP BY 1, 2
),
placed AS (
  SELECT first_at, last_at, user_id, MAX(activated_at) OVER (PARTITION BY user_id) AS activated_at,
         MAX(cohort) OVER (PARTITION BY user_id) AS cohort, MAX(segment) OVER (PARTITION BY user_id) AS segment,
         MAX(periods_over) OVER (PARTITION BY user_id) AS periods_over
  FROM (
    SELECT user_id, activated_at, cohort, segment, periods_over, CAST(NULL AS TIMESTAMP) AS first_at,
           CAST(NULL AS TIMESTAMP) AS last_at
    FROM cohorts
    UNION ALL
    SELECT user_id, NULL, NULL, NULL, NULL, first_at, last_at FROM active_days
  ) side_by_side
),
-- each person's periods with activity, counted only once they are over
activity AS (
  SELECT DISTINCT user_id, cohort, segment, periods_over, period_number
  FROM (
    SELECT user_id, cohort, segment, periods_over,
           CAST(FLOOR(EXTRACT(EPOCH FROM (first_at - activated_at)) / {{ step }}) AS INTEGER) AS period_number
    FROM placed
    WHERE first_at >= activated_at
    UNION ALL
    SELECT user_id, cohort, segment, periods_over,
           CAST(FLOOR(EXTRACT(EPOCH FROM (last_at - activated_at)) / {{ step }}) AS INTEGER) AS period_number
    FROM placed
    WHERE last_at >= activated_at
  ) touched
),
retained AS (
  SELECT {{ seg }}cohort, period_number, COUNT(*) AS users
  FROM activity
  WHERE period_number < periods_over AND period_number <= 12
  GROUP BY {{ '1, 2, 3' if group_by else '1, 2' }}
),
eligible AS (
  SELECT {{ 'c.segment, ' if group_by else '' }}c.cohort, n.n AS period_number, COUNT(*) AS eligible
  FROM cohorts c
  JOIN numbers n ON n.n < c.periods_over AND n.n <= 12
  GROUP BY {{ '1, 2, 3' if group_by else '1, 2' }}
)
SELECT {{ 's.segment, ' if group_by else '' }}s.cohort, e.period_number, s.cohort_size, COALESCE(r.users, 0) AS users,
       e.eligible, CAST(COALESCE(r.users, 0) AS DOUBLE PRECISION) / e.eligible AS retention
FROM cohort_sizes s
JOIN eligible e ON e.cohort = s.cohort{% if group_by %} AND e.segment = s.segment{% endif %}

LEFT JOIN retained r ON r.cohort = e.cohort AND r.period_number = e.period_number{% if group_by %} AND r.segment = e.segment{% endif %}

ORDER BY {{ '1, 2, 3' if group_by else '1, 2' }}
{% else %}
WITH {% include "signups.sql" %},
cohorts AS (
  SELECT user_id, {{ trunc('activated_at') }} AS cohort, segment FROM signups
),
cohort_sizes AS (
  SELECT {{ seg }}cohort, COUNT(*) AS cohort_size FROM cohorts GROUP BY {{ seg }}cohort
),
activity AS (
  SELECT DISTINCT {{ trunc('occurred_at') }} AS period, user_id
{% include "coming_back.sql" %}
),
-- each person's cohort set beside their active periods by a window, not joined to them
-- (docs/warehouses.md "Plans that do not depend on statistics")
placed AS (
  SELECT period, MAX(cohort) OVER (PARTITION BY user_id) AS cohort, MAX(segment) OVER (PARTITION BY user_id) AS segment
  FROM (
    SELECT user_id, cohort, segment, CAST(NULL AS TIMESTAMP) AS period FROM cohorts
    UNION ALL
    SELECT user_id, NULL, NULL, period FROM activity
  ) side_by_side
),
retained AS (
  -- one row per person and active period: COUNT(*) counts people
  SELECT {{ seg }}cohort, {{ periods_between('cohort', 'period') }} AS period_number, COUNT(*) AS users
  FROM placed
  WHERE period >= cohort
  GROUP BY {{ '1, 2, 3' if group_by else '1, 2' }}
)
SELECT {{ 's.segment, ' if group_by else '' }}s.cohort, r.period_number, s.cohort_size, r.users,
       CAST(r.users AS DOUBLE PRECISION) / s.cohort_size AS retention
FROM cohort_sizes s
JOIN retained r ON r.cohort = s.cohort{% if group_by %} AND r.segment = s.segment{% endif %}

ORDER BY {{ '1, 2, 3' if group_by else '1, 2' }}
{% endif %}
