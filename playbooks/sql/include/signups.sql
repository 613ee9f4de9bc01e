{#- Shared by the cohort playbooks: `signups(user_id, activated_at, segment)`, the people who
    activated in [start, end). With group_by, a person's segment is the dimension's value on their
    signup (activation) event: the users relation carries event-level dimensions (platform, os) as
    seen on that event, person-level ones (channel, plan, signup weekday) as they are; the top N segments by people
    keep their name, the rest are 'Other'. Filters also check the signup event. Without group_by,
    segment is NULL. Needs the parameters group_by, top and filters. -#}
signup_rows AS (
  SELECT user_id, activated_at,
         {% if group_by %}COALESCE({{ group_by }}, '(none)'){% else %}CAST(NULL AS VARCHAR){% endif %} AS segment
  FROM users
  WHERE activated_at >= :start AND activated_at < :end
    {{ filters }}
),
{% if group_by %}
-- ranked by windows rather than by joining each signup to its segment's rank: no join whose plan
-- depends on guessed row counts (DENSE_RANK over (people, segment), unique per segment, numbers
-- the segments as ROW_NUMBER over the grouped segments would)
segment_sizes AS (
  SELECT user_id, activated_at, segment, COUNT(*) OVER (PARTITION BY segment) AS people
  FROM signup_rows
),
signups AS (
  SELECT user_id, activated_at,
         CASE WHEN DENSE_RANK() OVER (ORDER BY people DESC, segment) <= :top THEN segment ELSE 'Other' END AS segment
  FROM segment_sizes
)
{% else %}
signups AS (SELECT user_id, activated_at, segment FROM signup_rows)
{% endif %}
