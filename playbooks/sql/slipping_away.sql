/* playbook
id: slipping_away
title: When do users slip away
question: After how many idle days does someone stop coming back to an action?
description: >
  Mode's "When Do Users Slip Away": for each day someone did the action, and each number of idle
  days d after it, the chance they did it again within the following 4 weeks, split by how often
  they had done it before (within the range). A cell counts only once its 4-week window is over.
presenter: slipping_away
chart: heatmap
scope: [event]
params:
  event: {type: event, required: true, help: "the action, e.g. Message Sent"}
  start: {type: date, help: first day of the range}
  end: {type: date, help: day after the range}
  filters: {type: filters, applies: events, help: "only the action's events and activity matching, e.g. platform:iOS"}
events_between: [start, tomorrow]
rollup: true  # distinct people per day (docs/rollup.md)
default_range: {day: 120}
words: [stop, quit, slip away, slipping away, go quiet before, goes quiet before, how long can, before they are not coming back, before they're not coming back, not coming back, odds of coming back, likelihood of coming back, odds they come back, a week idle, weeks idle, a day idle, after a week idle, idle, slips away, stop using, stopped using, come back after, idle days, days idle, drift off, drifts off, drifting off, not come back, after being idle, being idle, idle a while, idle for,
        days without, chance of coming back, chance to come back, do it again, lapse, lapsed, lapsing, go quiet,
        goes quiet, gone quiet, never come back, ever come back, stop coming back, stopped coming back, inactivity,
        inactive for, slipping-away, slipping away curve, give up on, gives up on, giving up on, considered lost,
        consider lost, churn point, before they're gone, before they are gone, fall off, falls off, drop off point,
        when do they stop, go idle, goes idle, stop returning, stopped returning, churn threshold, odds they ever,
        ever send, ever do it again, days of inactivity, probability of coming back, after n idle days, n idle days,
        go inactive, before we lose them, without sending, before we've lost them, before we have lost them,
        lost them, days of not, basically gone, days inactive, probability of returning, chance of returning,
        coming back to it, ever coming back, go without, can someone go without,
        churn off, churning off, churn out, goes back to, go back to, going back to, been idle, "they've been idle",
        when do we lose, lose people from, lose users from, lose them from, comes back to, come back to, days off, x days off, after x days, days away, chance someone comes back, unlikely to ever, ever order again, ever again, days w/o, after how many days, how many days without, how many idle days]
definitions:
  - "Idle for d days: did not do the action on the d days after a day they did it. Came back: did it again within the 28 days after those d idle days."
  - "How often before: the number of days they had done the action in the range, including that day."
examples:
  - when do message senders slip away
  - slipping away for message sent
  - chance of coming back to photo shared after idle days
  - when do people stop using invites
  - messages idle days
*/
WITH action_days AS (
  SELECT DISTINCT user_id, CAST({{ trunc('occurred_at', 'day') }} AS DATE) AS day
  FROM events
  WHERE event_name = :event AND occurred_at >= :start AND NOT is_anonymous
),
ordered AS (
  SELECT user_id, day,
         ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY day) AS times,
         LEAD(day) OVER (PARTITION BY user_id ORDER BY day) AS next_day
  FROM action_days
),
idle AS (
  SELECT 1 AS idle_days UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 5 UNION ALL SELECT 7
  UNION ALL SELECT 14 UNION ALL SELECT 21
),
cells AS (
  SELECT CASE WHEN o.times = 1 THEN '1' WHEN o.times <= 3 THEN '2-3' WHEN o.times <= 7 THEN '4-7'
              WHEN o.times <= 15 THEN '8-15' ELSE '16+' END AS frequency,
         i.idle_days,
         CASE WHEN o.next_day IS NOT NULL AND o.next_day - o.day <= i.idle_days + 28 THEN 1 ELSE 0 END AS came_back
  FROM ordered o
  CROSS JOIN idle i
  WHERE o.day < :end
    AND (o.next_day IS NULL OR o.next_day - o.day > i.idle_days)
    AND i.idle_days + 29 <= {{ periods_between('o.day', ':today', 'day') }}
)
SELECT frequency, idle_days, COUNT(*) AS idle, SUM(came_back) AS came_back
FROM cells
GROUP BY 1, 2
ORDER BY 1, 2
