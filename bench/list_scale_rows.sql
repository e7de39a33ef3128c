-- Scale rows for bench/list_sql.py on top of `seed --persons N`: the tester's proportions
-- (about one review record per person, 2.5 audit rows per person, transfers of 1 in 10).
-- psql -h 127.0.0.1 -U postgres -d <db> -f bench/list_scale_rows.sql
INSERT INTO review_record (target_type, target_id, org_id, subject_name, subject_code, decision, reason,
                           reviewer_name, created_at)
SELECT 'person', p.id, p.org_id, p.name, p.id_number, CASE WHEN p.id % 7 = 0 THEN 'rejected' ELSE 'approved' END,
       CASE WHEN p.id % 7 = 0 THEN '材料不全' END, '审核员' || (p.org_id % 5),
       p.created_at + interval '1 day' + (p.id % 1000) * interval '1 minute'
FROM person p;
INSERT INTO audit_entry (created_at, request_id, actor_id, actor_name, actor_org_id, actor_org_name, actor_role,
                         entity, entity_id, action)
SELECT now() - (g % 400000) * interval '1 minute', md5(g::text), 1 + g % 50, '管理员' || (g % 50),
       o.id, o.name, '超级管理员', 'person', (g % 200000)::text, CASE WHEN g % 3 = 0 THEN 'update' ELSE 'approve' END
FROM generate_series(1, 1300000) g
JOIN LATERAL (SELECT id, name FROM organization WHERE status = 'approved' ORDER BY id OFFSET (g % 20) LIMIT 1) o ON true;
INSERT INTO transfer (person_id, from_org_id, to_org_id, reason, transfer_date, status, initiated_by_name,
                      initiated_via, out_reviewer_name, out_reviewed_at, in_reviewed_at, created_at, completed_at)
SELECT p.id, p.org_id, t.id, '工作调动', current_date,
       CASE WHEN p.id % 50 = 0 THEN 'pending_out' WHEN p.id % 50 = 1 THEN 'pending_in'
            WHEN p.id % 50 = 2 THEN 'rejected' ELSE 'completed' END,
       '管理员', 'unit', CASE WHEN p.id % 50 <> 0 THEN '管理员' END,
       CASE WHEN p.id % 50 <> 0 THEN now() END, CASE WHEN p.id % 50 > 1 THEN now() END,
       now() - (p.id % 100000) * interval '1 minute', CASE WHEN p.id % 50 > 2 THEN now() END
FROM person p
JOIN LATERAL (SELECT id FROM organization WHERE kind = 'employer' AND status = 'approved' AND id <> p.org_id
              ORDER BY id OFFSET (p.id % 10) LIMIT 1) t ON true
WHERE p.id % 10 = 0;
VACUUM ANALYZE;
