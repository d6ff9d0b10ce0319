-- 0002 api: what the HTTP API needs on top of 0001 (issue 8): creator-info snapshots, soft deletion of accounts and
-- media that history still references, the publish mode of a post, and indexes for the API's lists and filters.

-- The last creator_info answer TikTok gave for the account (privacy options, max duration, interaction flags).
ALTER TABLE accounts ADD COLUMN creator_info jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(creator_info) = 'object');
ALTER TABLE accounts ADD COLUMN creator_info_at timestamptz;
-- An account deleted while finished posts still reference it: hidden from the API, tokens cleared, status 'disabled'.
-- Connecting the same open_id again brings it back.
ALTER TABLE accounts ADD COLUMN deleted_at timestamptz;
ALTER TABLE accounts ADD CONSTRAINT accounts_deleted_is_disabled CHECK (deleted_at IS NULL OR status = 'disabled');

-- Media deleted while finished posts still reference it: the file is gone, the row stays for their history.
ALTER TABLE media ADD COLUMN deleted_at timestamptz;

-- How the post reaches TikTok: published to the profile, or a draft in the creator's inbox.
ALTER TABLE posts ADD COLUMN mode text NOT NULL DEFAULT 'direct_post' CHECK (mode IN ('direct_post', 'inbox'));

-- Lists page newest first by (created_at, id).
CREATE INDEX accounts_created_idx ON accounts (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX media_created_idx ON media (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX posts_created_idx ON posts (created_at DESC, id DESC);
-- Post filters and statistics by run time, and the per-day figures by finish time.
CREATE INDEX posts_run_at_idx ON posts (run_at);
CREATE INDEX posts_finished_idx ON posts (finished_at) WHERE finished_at IS NOT NULL;
