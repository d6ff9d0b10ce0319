-- 0004 recorder: what the result recorder needs to apply worker events in stream order.
-- `last_result_id` is the results stream entry id (`<ms>-<seq>`) of the last event that changed the post: an older entry
-- delivered later (a claimed entry of a dead recorder, a redelivery) is recorded in the history but changes nothing.
ALTER TABLE posts ADD COLUMN last_result_id text CHECK (last_result_id ~ '^[0-9]{1,20}-[0-9]{1,20}$');
