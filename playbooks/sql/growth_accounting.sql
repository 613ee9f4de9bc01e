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
  interval: {type: interval, default: week, choices: [day, week, month]}
  event: {type: event, help: "what counts as active (default: any event)"}
lookback_days: 31
default_range: {day: 30, week: 12, month: 6}
words: [growth accounting, quick ratio, new retained resurrected churned, resurrected, resurrected users,
        churned users, user churn, user growth, growth, new vs returning, where do active users come from,
        churned and resurrected, lost users, users did we lose, did we lose, we lost, new vs churned,
        new and churned, reactivated, reactivated users, returning vs new, new vs returning users, win back,
        won back, are we growing, lifecycle, replacing churn, new actives, losing, we're losing, who we're losing,
        gain vs lose, gained, user base growing, growing, replacing the people who churn, gain and lose, gaining,
        net new, new retained and resurrected, retained and resurrected, new and resurrected, gained vs lost,
        gained and lost, gained lost, lost vs gained, churned vs new, new vs lost, gained vs churned, growth healthy,
        is growth healthy, new retained resurrected]
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
WITH activity AS (
  -- activity before a person's signup (stitched anonymous visits) does not count: "new" means first active
  SELECT DISTINCT e.user_id, {{ trunc('e.occurred_at') }} AS period
  FROM events e
  LEFT JOIN users u ON u.user_id = e.user_id
  WHERE e.occurred_at >= :_lo AND e.occurred_at < :end
    AND NOT e.is_anonymous
    AND e.counts_as_activity
    AND (u.activated_at IS NULL OR e.occurred_at >= u.activated_at)
    {% if event %}AND e.event_name = :event{% endif %}
),
statuses AS (
  SELECT a.period,
         CASE WHEN {{ trunc('u.activated_at') }} = a.period THEN 'new'
              WHEN prev.user_id IS NOT NULL THEN 'retained'
              ELSE 'resurrected' END AS status
  FROM activity a
  LEFT JOIN users u ON u.user_id = a.user_id
  LEFT JOIN activity prev ON prev.user_id = a.user_id AND prev.period = a.period - {{ step }}
  WHERE a.period >= {{ trunc(':start') }}
  UNION ALL
  SELECT p.period + {{ step }} AS period, 'churned' AS status
  FROM activity p
  LEFT JOIN activity nxt ON nxt.user_id = p.user_id AND nxt.period = p.period + {{ step }}
  WHERE nxt.user_id IS NULL
    AND p.period + {{ step }} >= {{ trunc(':start') }}
    AND p.period + {{ step }} < :end
)
SELECT period, status, COUNT(*) AS users
FROM statuses
GROUP BY 1, 2
ORDER BY 1, 2
