/* playbook
id: intervention_impact
title: Intervention impact
question: Were people more active after an intervention (an email, a push) than before it, by how long they had been users?
description: >
  Mode's "How Effective Are Interventions": each person's first intervention event in the range
  (Email Sent by default); for every day from 30 before to 30 after it, the share of those
  people who were active, split by user age (days since signup) at the intervention. Only people
  whose 30 days after are over are counted. Filters keep the people whose signup matches.
presenter: intervention_impact
chart: line
params:
  event: {type: event, default: Email Sent, help: "the intervention, e.g. Email Sent"}
  start: {type: date, help: first intervention day}
  end: {type: date, help: day after the last intervention day}
  filters: {type: filters, applies: users, help: "only people whose signup matches, e.g. plan:free, platform:iOS"}
events_between: [start, tomorrow]
lookback_days: 30
rollup: true  # distinct people per day (docs/rollup.md)
default_range: {day: 90}
words: [emails doing anything, emails do anything, emails actually do anything, emails actually do, emails help, emails helping, emails move the needle, doing anything for engagement, emails working, effect of, effect on activity, impact on activity, effect on engagement, new vs older users, new vs older, newer vs older, new vs old users, new vs existing users, new vs existing, intervention, interventions, intervention impact, email impact, effect of emails, emails work,
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
        sending emails,
        make any difference, made any difference, make a difference, made a difference, did it help, move the needle, moved the needle, worth sending, sending those emails, those emails, the emails help, emails help,
        marketing emails, do the emails, do emails, emails get people, emails make people, get people shopping, after they receive an email, after they receive, receive an email, after receiving an email,
        emails more effective, more effective on new, new users or old, new or old users, effective on new users]
weak_words: [marketing emails]
definitions:
  - "Active on a day: any qualifying event that day other than the intervention itself (signed-in people)."
  - "User age: whole days from signup to the intervention day; people with no signup event are left out."
  - "Filters (plan, platform, channel, ...) read each person's signup, as the cohort playbooks do."
examples:
  - intervention impact
  - did the email work
  - effect of emails on activity
  - re-engagement email impact
  - intervention impact of email sent last 60 days
  - did the email work for free plan users
*/
WITH interventions AS (
  SELECT user_id, MIN(CAST({{ trunc('occurred_at', 'day') }} AS DATE)) AS day
  FROM events
  WHERE event_name = :event AND occurred_at >= :start AND occurred_at < :end AND NOT is_anonymous
  GROUP BY user_id
),
-- each person's signup, intervention day and active days set side by side by windows per person, not
-- joined to each other: a join of inputs whose sizes PostgreSQL guesses (tables never analysed) can
-- become a nested loop over both (docs/warehouses.md "Plans that do not depend on statistics")
treated AS (
  SELECT user_id, day,
         CASE WHEN day - signup_day < 30 THEN '0-29 days'
              WHEN day - signup_day < 60 THEN '30-59 days'
              ELSE '60+ days' END AS user_age
  FROM (
    SELECT user_id, day, MAX(signup_day) OVER (PARTITION BY user_id) AS signup_day
    FROM (
      SELECT user_id, day, CAST(NULL AS DATE) AS signup_day FROM interventions
      UNION ALL
      SELECT user_id, NULL, CAST({{ trunc('activated_at', 'day') }} AS DATE) FROM users
      WHERE activated_at IS NOT NULL {{ filters }}
    ) side_by_side
  ) placed
  WHERE day IS NOT NULL AND signup_day IS NOT NULL
    AND day + INTERVAL '31 days' <= :today
),
group_sizes AS (
  SELECT user_age, COUNT(*) AS people FROM treated GROUP BY user_age
),
active_days AS (
{%- if 'person_days' in derived and never_activity(event) %}
  {#- the intervention never counts as activity (activity_exclude_events, e.g. a server-sent email), so its
      people's active days are the rollup's person-days: one row each, not one per event of the day #}
  SELECT CAST(day AS DATE) AS day, user_id
  FROM person_days
  WHERE day >= :_lo AND day < :_hi AND NOT is_anonymous
{%- else %}
  SELECT DISTINCT CAST({{ trunc('occurred_at', 'day') }} AS DATE) AS day, user_id
  FROM events
  WHERE occurred_at >= :_lo AND counts_as_activity AND NOT is_anonymous AND event_name <> :event
{%- endif %}
),
daily AS (
  -- one row per person and active day: COUNT(*) counts people
  SELECT user_age, day - treated_day AS day_offset, COUNT(*) AS active
  FROM (
    SELECT day, MAX(treated_day) OVER (PARTITION BY user_id) AS treated_day,
           MAX(user_age) OVER (PARTITION BY user_id) AS user_age
    FROM (
      SELECT user_id, CAST(NULL AS DATE) AS day, day AS treated_day, user_age FROM treated
      UNION ALL
      SELECT user_id, day, NULL, NULL FROM active_days
    ) side_by_side
  ) placed
  WHERE day IS NOT NULL AND treated_day IS NOT NULL AND day - treated_day BETWEEN -30 AND 30
  GROUP BY 1, 2
)
-- every group, with a row of its own (no day) when none of its people was active near the day
SELECT user_age, day_offset, COALESCE(active, 0) AS active, people
FROM (
  SELECT user_age, day_offset, active, MAX(people) OVER (PARTITION BY user_age) AS people,
         COUNT(day_offset) OVER (PARTITION BY user_age) AS offsets
  FROM (
    SELECT user_age, people, CAST(NULL AS INTEGER) AS day_offset, CAST(NULL AS BIGINT) AS active FROM group_sizes
    UNION ALL
    SELECT user_age, NULL, day_offset, active FROM daily
  ) side_by_side
) cells
WHERE day_offset IS NOT NULL OR offsets = 0
ORDER BY 1, 2
