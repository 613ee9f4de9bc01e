/* playbook
id: ecommerce
title: E-commerce
question: How many orders and buyers, how much revenue, and what is the average order value?
description: >
  Completed orders per hour, day, week or month (Segment's e-commerce spec: the order_completed table, or
  completed_order on the v1 spec): orders, buyers (distinct people with an order), revenue, and the
  orders that had a value (for the average order value = revenue / those orders). Revenue is the
  order's `revenue` property (spec: excluding shipping and tax), or `total` where revenue was not sent;
  measure=total reads `total` first. Rows with an empty period are totals for the whole range (buyers
  cannot be added up across periods). With group_by, the top N values by revenue and "Other".
presenter: ecommerce
chart: line
tags: [revenue]
params:
  start: {type: date, help: first day of the range (inclusive)}
  end: {type: date, help: day after the range (exclusive)}
  interval: {type: interval, default: day, choices: [hour, day, week, month, quarter]}
  metric:
    type: enum
    choices: [revenue, orders, buyers, aov]
    default: revenue
    help: "the headline number: revenue, orders, buyers or aov (average order value)"
    words: {aov: [average order value, avg order value, aov, order value, basket size, average basket],
            buyers: [buyers, customers, purchasers, paying users, paying customers, people who bought, people bought,
                     bought something, unique buyers, how many bought],
            revenue: [revenue, sales revenue, gmv, money, income, turnover],
            orders: [orders, purchases, number of orders]}
  measure:
    type: enum
    choices: [revenue, total]
    default: revenue
    help: "revenue: the order's revenue (no shipping or tax); total: with shipping and tax"
    words: {total: [total with tax, including tax, incl tax, with shipping, including shipping, gross total,
                    order total, order totals]}
  group_by: {type: dimension, help: "break down by platform, os, device, channel, plan, country, ..."}
  top: {type: int, default: 5, min: 1, max: 20, help: "with group_by: the N values with the most revenue; the rest are Other"}
  filters: {type: filters, help: "only orders matching, e.g. platform:iOS, channel:google"}
  compare: {type: enum, choices: [previous, week, year], help: "compare with the period before, a week or a year earlier"}
default_range: {hour: 2, day: 30, week: 12, month: 12, quarter: 4}
words: [orders and buyers, buyers and orders, orders and revenue, store orders, spend, spent, total spend, amount spent, money spent, what did we sell, did we sell, we sold, revenue, e-commerce, ecommerce, average order value, aov, order value, buyers, gmv, sales revenue,
        how much did we sell, how much money, how many buyers, number of buyers, shop, store revenue,
        purchases and revenue, takings, daily sales, weekly sales, sales volume, turnover, gross merchandise,
        money made, money did we make, how much did we make, avg order, average order, basket, spend per order,
        orders, how many orders, number of orders, order count, purchases, how many purchases, sales, sold, bought,
        bought something, buy something, unique buyers, rev, $$, money, orders and revenue, ecom, e-com, ecom numbers, shop numbers, store numbers,
        distinct buyers, how many distinct buyers, how many unique buyers, number of unique buyers, distinct customers who bought, unique customers who bought,
        store make, did the store make, sticker store make, the store make]
weak_words: [shop, spend, spent]
examples:
  - revenue last 30 days
  - ecommerce weekly
  - average order value by platform last 60 days
  - how many buyers this month
  - revenue by channel top 3 last 8 weeks
  - orders and revenue on ios last 14 days
  - orders by hour yesterday
*/
{% set amount = "COALESCE(revenue, total)" if measure == "revenue" else "COALESCE(total, revenue)" %}
{% set fallback = "revenue IS NULL AND total IS NOT NULL" if measure == "revenue" else "total IS NULL AND revenue IS NOT NULL" %}
WITH matched AS (
  SELECT occurred_at, {% if utc_hours %}occurred_at_utc, {% endif %}user_id, {{ amount }} AS amount,
         CASE WHEN {{ fallback }} THEN 1 ELSE 0 END AS fell_back,
         {% if group_by %}COALESCE({{ group_by }}, '(none)'){% else %}CAST(NULL AS VARCHAR){% endif %} AS segment
  FROM orders
  WHERE occurred_at >= :start AND occurred_at < :end
    {{ filters }}
){% if group_by %},
ranked AS (
  SELECT segment, ROW_NUMBER() OVER (ORDER BY COALESCE(SUM(amount), 0) DESC, COUNT(*) DESC, segment) AS segment_rank
  FROM matched
  GROUP BY segment
),
labelled AS (
  SELECT m.occurred_at, {% if utc_hours %}m.occurred_at_utc, {% endif %}m.user_id, m.amount, m.fell_back,
         CASE WHEN r.segment_rank <= :top THEN m.segment ELSE 'Other' END AS segment
  FROM matched m
  JOIN ranked r ON r.segment = m.segment
){% endif %}
{% set rows = "labelled" if group_by else "matched" %}
{% macro measures() %}COUNT(*) AS orders, COUNT(DISTINCT user_id) AS buyers, SUM(amount) AS revenue,
       COUNT(amount) AS valued_orders, SUM(fell_back) AS fallback_orders{% endmacro %}
SELECT {{ trunc('occurred_at') }} AS period, segment, {{ measures() }}
FROM {{ rows }}
GROUP BY 1, 2
{% if group_by %}
UNION ALL
-- per segment over the whole range
SELECT NULL AS period, segment, {{ measures() }}
FROM {{ rows }}
GROUP BY segment
{% endif %}
UNION ALL
-- the whole range: buyers cannot be summed across periods
SELECT NULL AS period, CAST(NULL AS VARCHAR) AS segment, {{ measures() }}
FROM {{ rows }}
ORDER BY 1, 2
