/* playbook
id: intervention_impact
title: Intervention impact
question: Were people more active after an intervention (an email, a push) than before it, by how long they had been users?
description: >
  Mode's "How Effective Are Interventions": each person's first intervention event in the range
  (Email Sent by default); for every day from 30 before to 30 after it, the share of those
  people who were active, split by user age (days since signup) at the intervention. Only people
  whose 30 days after are over are counted.
presenter: intervention_impact
chart: line
params:
  event: {type: event, default: Email Sent, help: "the intervention, e.g. Email Sent"}
  start: {type: date, help: first intervention day}
  end: {type: date, help: day after the last intervention day}
events_between: [start, tomorrow]
lookback_days: 30
default_range: {day: 90}
words: [intervention, interventions, intervention impact, email impact, effect of emails, emails work,
        did the email work, after the email, after emails, before and after the email, re-engagement, reengagement,
        campaign impact, effect of the email, email effect, effect of email, emails move, move activity,
        after they get an email, get an email, around email, engage more, did the emails, did our emails,
        newsletter help, did the newsletter, tenure, user tenure, user age, account age,
        before vs after the email, week after they get, lifecycle emails, impact of email, impact of emails,
        how long they've been, how long they have been, email on engagement, email program, email campaign,
        email campaigns, lift from, getting an email, changed behavior, changed behaviour, emails that went out,
        use the app more, after an email, after getting an email, pre/post, pre post, pre and post, before/after,
        before and after, make people more active, more active after, more engaged after, engaged in the days after,
        after they got an email, got an email, email bump, bump activity, email lift, lift from email,
        sending emails]
definitions:
  - "Active on a day: any qualifying event that day other than the intervention itself (signed-in people)."
  - "User age: whole days from signup to the intervention day; people with no signup event are left out."
examples:
  - intervention impact
  - did the email work
  - effect of emails on activity
  - re-engagement email impact
  - intervention impact of email sent last 60 days
*/
WITH interventions AS (
  SELECT user_id, MIN(CAST({{ trunc('occurred_at', 'day') }} AS DATE)) AS day
  FROM events
  WHERE event_name = :event AND occurred_at >= :start AND occurred_at < :end AND NOT is_anonymous
  GROUP BY user_id
),
treated AS (
  SELECT i.user_id, i.day,
         CASE WHEN i.day - CAST({{ trunc('u.activated_at', 'day') }} AS DATE) < 30 THEN '0-29 days'
              WHEN i.day - CAST({{ trunc('u.activated_at', 'day') }} AS DATE) < 60 THEN '30-59 days'
              ELSE '60+ days' END AS user_age
  FROM interventions i
  JOIN users u ON u.user_id = i.user_id
  WHERE i.day + INTERVAL '31 days' <= :today
),
group_sizes AS (
  SELECT user_age, COUNT(*) AS people FROM treated GROUP BY user_age
),
active_days AS (
  SELECT DISTINCT user_id, CAST({{ trunc('occurred_at', 'day') }} AS DATE) AS day
  FROM events
  WHERE occurred_at >= :_lo AND counts_as_activity AND NOT is_anonymous AND event_name <> :event
),
daily AS (
  SELECT t.user_age, a.day - t.day AS day_offset, COUNT(DISTINCT a.user_id) AS active
  FROM treated t
  JOIN active_days a ON a.user_id = t.user_id AND a.day - t.day BETWEEN -30 AND 30
  GROUP BY 1, 2
)
SELECT g.user_age, d.day_offset, COALESCE(d.active, 0) AS active, g.people
FROM group_sizes g
LEFT JOIN daily d ON d.user_age = g.user_age
ORDER BY 1, 2
