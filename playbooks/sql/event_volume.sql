/* playbook
id: event_volume
title: Event volume
question: How many times did an event happen, and by how many users?
description: >
  Counts occurrences of one event per day, week or month over a date range, with the number of
  distinct users who did it. The last row (period empty) is the whole range's total.
presenter: volume
chart: line
scope: [event]
params:
  event: {type: event, required: true, help: "the event to count, e.g. Invite Sent"}
  start: {type: date, help: first day of the range (inclusive)}
  end: {type: date, help: day after the range (exclusive)}
  interval: {type: interval, default: day, choices: [hour, day, week, month]}
default_range: {hour: 1, day: 30, week: 12, month: 12}
words: [how many, count, number of, volume, times, total, happened, occurrences]
definitions:
  - "Events: every occurrence of the event; users: distinct people (stitched across devices) who did it."
examples:
  - invites yesterday
  - messages sent last 30 days
  - signups per week since 2026-09-01
  - how many photos were shared this month
  - orders last week
*/
SELECT {{ trunc('occurred_at') }} AS period,
       COUNT(*) AS events,
       COUNT(DISTINCT user_id) AS users
FROM events
WHERE event_name = :event
  AND occurred_at >= :start AND occurred_at < :end
GROUP BY 1
UNION ALL
-- the whole range: distinct users cannot be summed across periods
SELECT NULL AS period,
       COUNT(*) AS events,
       COUNT(DISTINCT user_id) AS users
FROM events
WHERE event_name = :event
  AND occurred_at >= :start AND occurred_at < :end
ORDER BY 1
