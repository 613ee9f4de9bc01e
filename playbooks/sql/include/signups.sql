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
segment_ranks AS (
  SELECT segment, ROW_NUMBER() OVER (ORDER BY COUNT(*) DESC, segment) AS segment_rank
  FROM signup_rows
  GROUP BY segment
),
signups AS (
  SELECT s.user_id, s.activated_at, CASE WHEN r.segment_rank <= :top THEN s.segment ELSE 'Other' END AS segment
  FROM signup_rows s
  JOIN segment_ranks r ON r.segment = s.segment
)
{% else %}
signups AS (SELECT user_id, activated_at, segment FROM signup_rows)
{% endif %}
