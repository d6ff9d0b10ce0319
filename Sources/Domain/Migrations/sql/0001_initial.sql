-- 0001 initial: the records of architecture.md.
-- Every status column has a CHECK with its full set; every reference is a foreign key; times are timestamptz (UTC inside).
-- Applied by `reelay migrate` in one transaction together with its schema_migrations row.

-- API keys: only a SHA-256 of the secret is stored; `prefix` is the short public part shown in lists and logs.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    prefix       text NOT NULL UNIQUE CHECK (prefix ~ '^[A-Za-z0-9_]{6,32}$'),
    key_hash     bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    role         text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- TikTok accounts: tokens are AES-GCM ciphertexts (never plaintext); `token_key_id` names the key that sealed them.
CREATE TABLE accounts (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    open_id                  text NOT NULL UNIQUE CHECK (length(open_id) BETWEEN 1 AND 255),
    nickname                 text NOT NULL DEFAULT '',
    username                 text,
    status                   text NOT NULL DEFAULT 'active'
                             CHECK (status IN ('active', 'cooldown', 'needs_reauth', 'restricted', 'disabled')),
    status_reason            text,
    cooldown_until           timestamptz,
    access_token_ciphertext  bytea,
    access_token_expires_at  timestamptz,
    refresh_token_ciphertext bytea,
    refresh_token_expires_at timestamptz,
    token_key_id             text,
    scopes                   text[] NOT NULL DEFAULT '{}',
    timezone                 text NOT NULL DEFAULT 'UTC' CHECK (length(timezone) BETWEEN 1 AND 64),
    daily_cap                integer NOT NULL DEFAULT 15 CHECK (daily_cap BETWEEN 0 AND 1000),
    labels                   text[] NOT NULL DEFAULT '{}',
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CHECK ((access_token_ciphertext IS NULL) = (access_token_expires_at IS NULL)),
    CHECK ((refresh_token_ciphertext IS NULL) = (refresh_token_expires_at IS NULL)),
    CHECK (access_token_ciphertext IS NULL OR token_key_id IS NOT NULL),
    CHECK (status <> 'cooldown' OR cooldown_until IS NOT NULL)
);
CREATE INDEX accounts_status_idx ON accounts (status);
CREATE INDEX accounts_access_expiry_idx ON accounts (access_token_expires_at) WHERE status = 'active';
CREATE INDEX accounts_labels_idx ON accounts USING gin (labels);

-- Media: a file under the media root; `path` is relative to it and may not climb out of it.
CREATE TABLE media (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    path          text NOT NULL UNIQUE
                  CHECK (length(path) BETWEEN 1 AND 1024 AND path !~ '^/' AND path !~ '(^|/)\.\.(/|$)'),
    original_name text,
    content_type  text NOT NULL DEFAULT 'video/mp4',
    size_bytes    bigint NOT NULL CHECK (size_bytes > 0),
    sha256        bytea NOT NULL CHECK (octet_length(sha256) = 32),
    probe         jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(probe) = 'object'),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_sha256_idx ON media (sha256);

-- Campaigns: what to post (media, caption, settings), to whom (account selection) and when (schedule).
CREATE TABLE campaigns (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status            text NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
    caption_template  text NOT NULL DEFAULT '' CHECK (length(caption_template) <= 2200),
    post_settings     jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(post_settings) = 'object'),
    account_selection jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(account_selection) = 'object'),
    schedule          jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(schedule) = 'object'),
    timezone          text NOT NULL DEFAULT 'UTC' CHECK (length(timezone) BETWEEN 1 AND 64),
    strategy          text NOT NULL DEFAULT 'round_robin' CHECK (strategy IN ('round_robin', 'least_used', 'random')),
    idempotency_key   text UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    created_by        uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_status_idx ON campaigns (status);

-- The media of a campaign, in order.
CREATE TABLE campaign_media (
    campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    media_id    uuid NOT NULL REFERENCES media (id) ON DELETE RESTRICT,
    position    integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (campaign_id, position),
    UNIQUE (campaign_id, media_id)
);
CREATE INDEX campaign_media_media_idx ON campaign_media (media_id);

-- Posts: one job per account × video; the row is the outbox (committed as 'queued' before the Redis push) and its id is
-- the job id. A finished post (completed, failed, cancelled) always has finished_at, and only then.
CREATE TABLE posts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id     uuid REFERENCES campaigns (id) ON DELETE CASCADE,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    media_id        uuid NOT NULL REFERENCES media (id) ON DELETE RESTRICT,
    queue           text NOT NULL DEFAULT 'publish' CHECK (queue ~ '^[a-z0-9_-]{1,64}$'),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'scheduled', 'queued', 'running', 'retrying', 'unconfirmed',
                                      'completed', 'failed', 'cancelled')),
    run_at          timestamptz NOT NULL,
    caption         text NOT NULL DEFAULT '' CHECK (length(caption) <= 2200),
    post_settings   jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(post_settings) = 'object'),
    consent         jsonb CHECK (consent IS NULL OR jsonb_typeof(consent) = 'object'),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts    integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
    publish_id      text UNIQUE,
    tiktok_post_ids text[] NOT NULL DEFAULT '{}',
    error_code      text,
    error_message   text,
    idempotency_key text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    CHECK ((status IN ('completed', 'failed', 'cancelled')) = (finished_at IS NOT NULL)),
    CHECK (status <> 'failed' OR error_code IS NOT NULL)
);
CREATE INDEX posts_status_run_at_idx ON posts (status, run_at);
CREATE INDEX posts_campaign_idx ON posts (campaign_id, status);
CREATE INDEX posts_account_run_at_idx ON posts (account_id, run_at);
CREATE INDEX posts_media_idx ON posts (media_id);
-- The outbox sweep: queued rows older than the grace period that Redis may not know.
CREATE INDEX posts_outbox_idx ON posts (updated_at) WHERE status = 'queued';
-- The scheduler's look-ahead: work due soon that is not in Redis yet.
CREATE INDEX posts_due_idx ON posts (run_at) WHERE status IN ('pending', 'scheduled');

-- Post events: every state change, for history and audit. `stream_id` is the Redis stream entry that carried it, so the
-- result recorder can see an entry twice and record it once.
CREATE TABLE post_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id     uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    event       text NOT NULL CHECK (event ~ '^[a-z_.]{1,64}$'),
    from_status text CHECK (from_status IN ('pending', 'scheduled', 'queued', 'running', 'retrying', 'unconfirmed',
                                            'completed', 'failed', 'cancelled')),
    to_status   text CHECK (to_status IN ('pending', 'scheduled', 'queued', 'running', 'retrying', 'unconfirmed',
                                          'completed', 'failed', 'cancelled')),
    attempt     integer CHECK (attempt >= 0),
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(detail) = 'object'),
    actor       text,
    stream_id   text UNIQUE,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_events_post_idx ON post_events (post_id, id);
