/* playbook
id: retention
title: Cohort retention
question: Of the people who signed up in each week or month, how many came back in later periods?
description: >
  Mode's "Describing Retention": users grouped by the week or month they activated (the
  activation event, Signed Up by default); for each later period, how many were active.
  Period 0 is the cohort itself. Periods that have not ended yet are marked partial.
presenter: retention
chart: heatmap
params:
  start: {type: date, help: first cohort day (inclusive)}
  end: {type: date, help: day after the last cohort (exclusive)}
  interval: {type: interval, default: week, choices: [day, week, month]}
  event: {type: event, help: "what counts as coming back (default: any event)"}
  group_by: {type: dimension, help: "retention curves per platform, channel, plan, signup weekday, ... (the value on the signup event)"}
  top: {type: int, default: 5, min: 1, max: 20, help: "with group_by: the N largest segments; the rest are Other"}
  filters: {type: filters, help: "only people whose signup matches, e.g. platform:iOS, channel:google"}
events_between: [start, tomorrow]
default_range: {day: 14, week: 12, month: 6}
words: [retention, retain, retained, cohort, cohorts, come back, came back, churn, return, returning, stick around,
        coming back, keep coming back, keeps coming back, retaining]
definitions:
  - "Cohort: users by the period of their first activation event; retention k = cohort members active in period k / cohort size."
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
*/
{% set seg = 'segment, ' if group_by else '' %}
WITH {% include "signups.sql" %},
cohorts AS (
  SELECT user_id, {{ trunc('activated_at') }} AS cohort, segment FROM signups
),
cohort_sizes AS (
  SELECT {{ seg }}cohort, COUNT(*) AS cohort_size FROM cohorts GROUP BY {{ seg }}cohort
),
activity AS (
  SELECT DISTINCT user_id, {{ trunc('occurred_at') }} AS period
{% include "coming_back.sql" %}
),
retained AS (
  SELECT {{ 'c.segment, ' if group_by else '' }}c.cohort, {{ periods_between('c.cohort', 'a.period') }} AS period_number,
         COUNT(DISTINCT c.user_id) AS users
  FROM cohorts c
  JOIN activity a ON a.user_id = c.user_id AND a.period >= c.cohort
  GROUP BY {{ '1, 2, 3' if group_by else '1, 2' }}
)
SELECT {{ 's.segment, ' if group_by else '' }}s.cohort, r.period_number, s.cohort_size, r.users,
       CAST(r.users AS DOUBLE PRECISION) / s.cohort_size AS retention
FROM cohort_sizes s
JOIN retained r ON r.cohort = s.cohort{% if group_by %} AND r.segment = s.segment{% endif %}

ORDER BY {{ '1, 2, 3' if group_by else '1, 2' }}
