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
  interval: {type: interval, default: week, choices: [day, week, month], of_range: true}
  event: {type: event, returning: true, help: "what counts as coming back (default: any event)"}
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
# by day, and each day's first and last event when periods run from each signup moment; calendar periods
# read whole days, one row each (docs/rollup.md)
rollup: {times: {unless: {periods: [calendar]}}, days: true}
default_range: {day: 14, week: 12, month: 6}
words: [stick, sticking, stuck around, retention, retain, retained, cohort, cohorts, come back, came back, churn, return, returning, stick around,
        coming back, keep coming back, keeps coming back, retaining, sticking around, keeping new users, keeping users, keep users,
        come back after signing up, come back after they sign up, come back after signup, come back after joining,
        come back after they join, coming back after signing up,
        hanging on to, hang on to, holding on to, hold on to, hanging onto, holding onto, hang onto, hold onto]
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
{% if periods == 'since_signup' and not event and 'person_returns' in derived %}
{#- the same numbers from the rollup's derived table (docs/rollup.md "Retention tables"): each signed-in
    person's distinct whole steps of activity since their signup, worked out at the build. Read only
    inside the embedded DuckDB rollup (its tables are small and their sizes known), so joins are used here
    where the branches below set rows side by side for PostgreSQL's planner. -#}
{% set step = {'day': 86400, 'week': 604800, 'month': 2592000}[interval] %}
WITH {% include "signups.sql" %},
cohorts AS (
  SELECT user_id, {{ trunc('activated_at') }} AS cohort, segment,
         CAST(FLOOR(EXTRACT(EPOCH FROM (:now - activated_at)) / {{ step }}) AS INTEGER) AS periods_over
  FROM signups
),
retained AS (
  SELECT c.segment, c.cohort, r.n AS period_number, COUNT(*) AS users
  FROM cohorts c
  JOIN person_returns r ON r.user_id = c.user_id
  WHERE r.step = {{ step }} AND r.n < c.periods_over AND r.n <= 12
  GROUP BY 1, 2, 3
),
-- the people of each cohort by how many periods are over for them, then per period the people it is over for
over AS (
  SELECT segment, cohort, periods_over, COUNT(*) AS people FROM cohorts GROUP BY 1, 2, 3
),
steps AS (
  SELECT 0 AS n{% for k in range(1, 13) %} UNION ALL SELECT {{ k }}{% endfor %}
),
cells AS (
  SELECT segment, cohort, period_number, MAX(eligible) AS eligible, MAX(users) AS users
  FROM (
    SELECT o.segment, o.cohort, n.n AS period_number, CAST(SUM(o.people) AS BIGINT) AS eligible, CAST(NULL AS BIGINT) AS users
    FROM over o
    JOIN steps n ON n.n < o.periods_over
    GROUP BY 1, 2, 3
    UNION ALL
    SELECT segment, cohort, period_number, NULL, users FROM retained
  ) side_by_side
  GROUP BY 1, 2, 3
),
sized AS (
  SELECT c.segment, c.cohort, c.period_number, c.eligible, c.users, s.cohort_size
  FROM cells c
  JOIN (SELECT segment, cohort, CAST(SUM(people) AS BIGINT) AS cohort_size FROM over GROUP BY 1, 2) s
    ON s.cohort = c.cohort AND s.segment IS NOT DISTINCT FROM c.segment
)
SELECT {{ 'segment, ' if group_by else '' }}cohort, period_number, cohort_size, COALESCE(users, 0) AS users,
       eligible, CAST(COALESCE(users, 0) AS DOUBLE PRECISION) / eligible AS retention
FROM sized
WHERE eligible IS NOT NULL
ORDER BY {{ '1, 2, 3' if group_by else '1, 2' }}
{% elif periods == 'since_signup' %}
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
  SELECT segment, cohort, COUNT(*) AS cohort_size FROM cohorts GROUP BY segment, cohort
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
  SELECT segment, cohort, period_number, COUNT(*) AS users
  FROM activity
  WHERE period_number < periods_over AND period_number <= 12
  GROUP BY 1, 2, 3
),
-- periods 0 to 12 as constants: a join to all of `numbers` (10,000 rows) cost 10,000 probes per signup
steps AS (
  SELECT 0 AS n{% for k in range(1, 13) %} UNION ALL SELECT {{ k }}{% endfor %}
),
eligible AS (
  SELECT c.segment, c.cohort, n.n AS period_number, COUNT(*) AS eligible
  FROM cohorts c
  JOIN steps n ON n.n < c.periods_over
  GROUP BY 1, 2, 3
),
-- the cells (every period someone is eligible for) with their retained people and cohort size, set
-- side by side and grouped rather than joined (per cohort: no join whose plan depends on guessed counts)
cells AS (
  SELECT segment, cohort, period_number, MAX(eligible) AS eligible, MAX(users) AS users, MAX(cohort_size) AS cohort_size
  FROM (
    SELECT segment, cohort, period_number, eligible, CAST(NULL AS BIGINT) AS users, CAST(NULL AS BIGINT) AS cohort_size
    FROM eligible
    UNION ALL
    SELECT segment, cohort, period_number, NULL, users, NULL FROM retained
    UNION ALL
    SELECT segment, cohort, NULL, NULL, NULL, cohort_size FROM cohort_sizes
  ) side_by_side
  GROUP BY 1, 2, 3
),
sized AS (
  SELECT segment, cohort, period_number, eligible, users,
         MAX(cohort_size) OVER (PARTITION BY segment, cohort) AS cohort_size
  FROM cells
)
SELECT {{ 'segment, ' if group_by else '' }}cohort, period_number, cohort_size, COALESCE(users, 0) AS users,
       eligible, CAST(COALESCE(users, 0) AS DOUBLE PRECISION) / eligible AS retention
FROM sized
WHERE eligible IS NOT NULL
ORDER BY {{ '1, 2, 3' if group_by else '1, 2' }}
{% else %}
WITH {% include "signups.sql" %},
cohorts AS (
  SELECT user_id, {{ trunc('activated_at') }} AS cohort, segment FROM signups
),
cohort_sizes AS (
  SELECT segment, cohort, COUNT(*) AS cohort_size FROM cohorts GROUP BY segment, cohort
),
activity AS (
  SELECT DISTINCT {{ trunc('occurred_at') }} AS period, user_id
{% include "coming_back.sql" %}
),
{% if 'person_days' in derived %}
-- inside the embedded DuckDB rollup (its tables' sizes known): each active period joined to its person's
-- cohort (one row per person), a hash join where the window below sorts every row by person
placed AS (
  SELECT a.period, c.cohort, c.segment FROM activity a JOIN cohorts c ON c.user_id = a.user_id
),
{% else %}
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
{% endif %}
retained AS (
  -- one row per person and active period: COUNT(*) counts people
  SELECT segment, cohort, {{ periods_between('cohort', 'period') }} AS period_number, COUNT(*) AS users
  FROM placed
  WHERE period >= cohort
  GROUP BY 1, 2, 3
),
-- each cell with its cohort's size by a window over both, not a join (per cohort)
sized AS (
  SELECT segment, cohort, period_number, users, MAX(cohort_size) OVER (PARTITION BY segment, cohort) AS cohort_size
  FROM (
    SELECT segment, cohort, period_number, users, CAST(NULL AS BIGINT) AS cohort_size FROM retained
    UNION ALL
    SELECT segment, cohort, NULL, NULL, cohort_size FROM cohort_sizes
  ) side_by_side
)
SELECT {{ 'segment, ' if group_by else '' }}cohort, period_number, cohort_size, users,
       CAST(users AS DOUBLE PRECISION) / cohort_size AS retention
FROM sized
WHERE period_number IS NOT NULL
ORDER BY {{ '1, 2, 3' if group_by else '1, 2' }}
{% endif %}
