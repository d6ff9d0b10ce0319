-- 0003 campaigns: the publish mode of a campaign, and the index of the campaign list (issue 8).

-- How the campaign's posts reach TikTok; copied to each post's `mode` when the campaign starts.
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS mode text NOT NULL DEFAULT 'direct_post' CHECK (mode IN ('direct_post', 'inbox'));
-- 0002 adds posts.mode; kept here too (a no-op after 0002) so the campaign starter never depends on the order of the two.
ALTER TABLE posts ADD COLUMN IF NOT EXISTS mode text NOT NULL DEFAULT 'direct_post' CHECK (mode IN ('direct_post', 'inbox'));

-- The campaign list pages newest first by (created_at, id), optionally filtered by status.
CREATE INDEX IF NOT EXISTS campaigns_created_idx ON campaigns (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS campaigns_status_created_idx ON campaigns (status, created_at DESC, id DESC);
