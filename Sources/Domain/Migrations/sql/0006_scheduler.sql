-- 0006 scheduler (issue 9): the `missed` post status and the scheduler's fencing token.

-- `missed`: a timed post whose run time passed while no scheduler ran, by more than the misfire window. Terminal, like
-- `failed`, with the reason in error_code/error_message; a user may retry it.
ALTER TABLE posts DROP CONSTRAINT posts_status_check;
ALTER TABLE posts ADD CONSTRAINT posts_status_check
    CHECK (status IN ('pending', 'scheduled', 'queued', 'running', 'retrying', 'unconfirmed', 'completed', 'failed', 'cancelled',
                      'missed'));
ALTER TABLE posts DROP CONSTRAINT posts_check;
ALTER TABLE posts ADD CONSTRAINT posts_finished_check
    CHECK ((status IN ('completed', 'failed', 'cancelled', 'missed')) = (finished_at IS NOT NULL));
ALTER TABLE posts ADD CONSTRAINT posts_missed_reason_check CHECK (status <> 'missed' OR error_code IS NOT NULL);
ALTER TABLE post_events DROP CONSTRAINT post_events_from_status_check;
ALTER TABLE post_events ADD CONSTRAINT post_events_from_status_check
    CHECK (from_status IN ('pending', 'scheduled', 'queued', 'running', 'retrying', 'unconfirmed', 'completed', 'failed', 'cancelled',
                           'missed'));
ALTER TABLE post_events DROP CONSTRAINT post_events_to_status_check;
ALTER TABLE post_events ADD CONSTRAINT post_events_to_status_check
    CHECK (to_status IN ('pending', 'scheduled', 'queued', 'running', 'retrying', 'unconfirmed', 'completed', 'failed', 'cancelled',
                         'missed'));

-- The fencing token of the scheduler that leads. A leader's every write transaction first raises `token` to its own
-- (taken from Redis when it won the lease) and is refused when a newer leader's token is already here: a leader that
-- froze past its lease and wakes up cannot write over its successor's decisions. One row; its lock also serializes
-- two leaders' ticks during a handover.
CREATE TABLE scheduler_fence (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    token       bigint NOT NULL CHECK (token > 0),
    leader      text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
