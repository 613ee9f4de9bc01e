/* playbook
id: growth_accounting
title: Growth accounting
question: Where do this period's active users come from, and who did we lose?
description: >
  Splits each week's (or month's) active users into new (signed up this period), retained
  (active the period before too) and resurrected (back after at least one quiet period), and
  counts the churned (active the period before, not this one). Active(t) = Active(t-1) + new +
  resurrected - churned. Quick ratio = (new + resurrected) / churned: above 1 the base grows.
presenter: growth_accounting
chart: bar
params:
  start: {type: date, help: first period (inclusive)}
  end: {type: date, help: day after the last period (exclusive)}
  interval: {type: interval, default: week, choices: [day, week, month], of_range: true}
  event: {type: event, help: "what counts as active (default: any event)"}
  filters: {type: filters, applies: events, help: "only activity matching, e.g. platform:iOS (each person's signup still counts from wherever it happened)"}
lookback_days: 31
rollup: {times: true, days: true}  # by period, and each period's last event (docs/rollup.md)
default_range: {day: 30, week: 12, month: 6}
words: [growth accounting, quick ratio, new retained resurrected churned, resurrected, resurrected users,
        churned users, actives come from, actives coming from, active users coming from, new or coming back, new or returning, new vs coming back, active users come from, did actives come from, user churn, user growth, growth, new vs returning, where do active users come from,
        churned and resurrected, lost users, users did we lose, did we lose, we lost, new vs churned,
        new and churned, reactivated, reactivated users, returning vs new, new vs returning users, win back,
        won back, are we growing, lifecycle, replacing churn, new actives, losing, we're losing, who we're losing,
        gain vs lose, gained, user base growing, growing, replacing the people who churn, gain and lose, gaining,
        net new, new retained and resurrected, retained and resurrected, new and resurrected, gained vs lost,
        gained and lost, gained lost, lost vs gained, churned vs new, new vs lost, gained vs churned, growth healthy,
        is growth healthy, new retained resurrected, quick ration,
        churned vs came back, churned vs, churned and came back, came back vs churned, churned or came back, churned vs returned, new vs retained vs resurrected, new vs retained, split into new,
        new vs resurrected, resurrected vs churned, new vs resurrected vs churned, new resurrected churned, quick ratio for that,
        did we win back, win back vs lose, win back and lose, won back vs lost]
definitions:
  - "Active: a signed-in person with a qualifying event in the period, counting only activity from their signup on."
  - "New: signed up in the period. Retained: active in this and the previous period. Resurrected: active now, not in the previous period, signed up before. Churned: active in the previous period, not in this one (shown negative)."
  - "Quick ratio = (new + resurrected) / churned."
examples:
  - growth accounting
  - weekly growth accounting
  - quick ratio monthly
  - new retained resurrected churned users last 12 weeks
  - churned users by month
  - user growth since 2026-09-01
*/
{% set step = {'day': "INTERVAL '1 day'", 'week': "INTERVAL '7 days'", 'month': "INTERVAL '1 month'"}[interval] %}
-- Written so that no plan depends on the warehouse's statistics (docs/warehouses.md "Plans that do
-- not depend on statistics"): events become one row per person-period first, each person's signup is
-- set beside those rows (UNION ALL and a window per person, no join on guessed row counts), and the
-- previous and next active periods come from LAG/LEAD instead of joining the activity to itself.
WITH person_periods AS (
  SELECT {{ trunc('occurred_at') }} AS period, user_id, MAX(occurred_at) AS last_at
  FROM events
  WHERE occurred_at >= :_lo AND occurred_at < :end
    AND NOT is_anonymous
    AND counts_as_activity
    {% if event %}AND event_name = :event{% endif %}
  GROUP BY 1, 2
),
{% if 'person_days' in derived %}
-- inside the embedded DuckDB rollup (its tables' sizes known): each person-period joined to the person's
-- signup (one row per person), a hash join where the window below sorts every row by person once more
with_signup AS (
  SELECT p.user_id, p.period, p.last_at, u.activated_at
  FROM person_periods p
  LEFT JOIN users u ON u.user_id = p.user_id
),
{% else %}
with_signup AS (
  SELECT user_id, period, last_at, MAX(activated_at) OVER (PARTITION BY user_id) AS activated_at
  FROM (
    SELECT user_id, period, last_at, CAST(NULL AS TIMESTAMP) AS activated_at FROM person_periods
    UNION ALL
    SELECT user_id, NULL, NULL, activated_at FROM users
  ) side_by_side
),
{% endif %}
activity AS (
  -- activity before a person's signup (stitched anonymous visits) does not count: "new" means first
  -- active; a period counts when its last event is at or after the signup
  SELECT user_id, period, activated_at,
         LAG(period) OVER (PARTITION BY user_id ORDER BY period NULLS FIRST) AS prev_period,
         LEAD(period) OVER (PARTITION BY user_id ORDER BY period NULLS FIRST) AS next_period
  FROM with_signup
  WHERE period IS NOT NULL AND (activated_at IS NULL OR last_at >= activated_at)
),
statuses AS (
  SELECT period,
         CASE WHEN {{ trunc('activated_at') }} = period THEN 'new'
              WHEN prev_period = period - {{ step }} THEN 'retained'
              ELSE 'resurrected' END AS status
  FROM activity
  WHERE period >= {{ trunc(':start') }}
  UNION ALL
  SELECT period + {{ step }} AS period, 'churned' AS status
  FROM activity
  WHERE (next_period IS NULL OR next_period <> period + {{ step }})
    AND period + {{ step }} >= {{ trunc(':start') }}
    AND period + {{ step }} < :end
)
SELECT period, status, COUNT(*) AS users
FROM statuses
GROUP BY 1, 2
ORDER BY 1, 2
