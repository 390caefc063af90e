-- The 所属 of the staff member a conversation is with, as it was when they were
-- identified (sqlite). Keep equivalent to migrations/postgres/0034_conversation_department.sql.
--
-- The reports count conversations by 所属. Read from today's staff directory, a report
-- made after the April personnel switch put last year's conversations under the new
-- 所属 and the retired under 不明. Conversations before this migration take today's 所属
-- (the best there is); from now on the 所属 is kept when the staff member is identified.
ALTER TABLE conversations ADD COLUMN department TEXT;
UPDATE conversations SET department =
    (SELECT s.department FROM staff s WHERE s.employee_no = conversations.staff_no)
WHERE staff_no IS NOT NULL;
