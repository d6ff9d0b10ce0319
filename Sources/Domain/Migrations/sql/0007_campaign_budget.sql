-- 0007 campaign budget: what a campaign start does with posts that would take an account over its daily cap
-- (`accounts.daily_cap`) or TikTok's 5 pending inbox shares per 24 hours (issue 9, point 5).
-- 'reject' refuses the start, naming the accounts and days; 'spread' moves the overflow to the following days at the
-- same wall time. (0006 is another change; the two touch different columns and apply in either order.)
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS over_budget text NOT NULL DEFAULT 'reject' CHECK (over_budget IN ('reject', 'spread'));
