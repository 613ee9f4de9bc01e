/* playbook
id: active_by_payment_plan
title: Active users by payment plan
question: How many people were active each month, by the payment plan the product database has for them?
description: >
  A cross-database question: activity comes from the Segment warehouse, the payment plan from the
  product's own database (the `product` warehouse, table users, column payment_plan). The plans
  are read first and joined inside the Segment warehouse's query, whatever engine each one runs.
presenter: active_by_lookup
# "mau by plan", "free vs pro active users": the plan people pay for is this one, not Segment's plan trait
breakdown_of: {playbook: active_users, dimension: plan,
               note: "the plan people pay for, from the product database (not the plan trait of Segment's identify calls)"}
chart: line
params:
  start: {type: date}
  end: {type: date}
  interval: {type: interval, default: month, choices: [day, week, month]}
  event: {type: event, help: "count only people who did this event (default: any event)"}
lookups:
  plans:
    warehouse: product
    sql: SELECT CAST(id AS VARCHAR) AS user_id, payment_plan FROM users
    max_rows: 50000
default_range: {day: 30, week: 12, month: 6}
rollup: true  # by day; the plans are synced into the activity rollup at each build (docs/rollup.md)
words: [by payment plan, payment plan, payment plans, per payment plan, by billing plan, billing plan,
        active users by payment plan, monthly active users by payment plan, mau by payment plan, paying plan,
        plan from the product database, billing, billing data, billing tier, subscription tier, subscription tiers,
        subscription plan, product db, product database, from the product db, paying vs free, paid vs free,
        paying and free, paid plan, paid plans, plan type, plan types, plan they're on, plan they are on,
        by billing tier, by subscription tier, by subscription plan, by payment tier, per billing tier,
        per subscription tier, from the billing data, plan they pay for, plan they're paying for,
        plan they are paying for, paying for, pricing tier, per pricing tier, by pricing tier, paid subscribers,
        what plan they pay, billing db, from the billing db, billing database, paying customers,
        plan tier,
        plan tiers, per plan tier, by plan tier, pricing plan, pricing plans, by pricing plan, plan mix,
        paying users active, paying users]
definitions:
  - "Active user: a signed-in person with at least one qualifying event in the period; the plan is the one in the product database now."
examples:
  - monthly active users by payment plan
  - mau by payment plan
  - weekly active users by payment plan
  - active users by billing plan last 12 weeks
  - payment plans of active users since 2026-09-01
*/
WITH activity AS (
  SELECT DISTINCT {{ trunc('occurred_at') }} AS period, user_id
  FROM events
  WHERE occurred_at >= :start AND occurred_at < :end
    AND NOT is_anonymous
    AND counts_as_activity
    {% if event %}AND event_name = :event{% endif %}
)
SELECT a.period, COALESCE(p.payment_plan, '(not in product db)') AS segment, COUNT(DISTINCT a.user_id) AS active_users
FROM activity a
LEFT JOIN plans p ON p.user_id = a.user_id
GROUP BY 1, 2
UNION ALL
-- everyone, once, per period
SELECT period, NULL AS segment, COUNT(DISTINCT user_id) AS active_users
FROM activity
GROUP BY 1
ORDER BY 1, 2
