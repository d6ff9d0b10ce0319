-- 0005 auth: the OAuth connect states and the idempotency records of the API (issue 8).

-- A connect flow's `state`: only its SHA-256 is stored. Single use (deleted when consumed), expiring, and bound to the
-- API key that asked for it, so the account it connects is attributed to that caller.
CREATE TABLE oauth_states (
    state_hash  bytea PRIMARY KEY CHECK (octet_length(state_hash) = 32),
    api_key_id  uuid REFERENCES api_keys (id) ON DELETE CASCADE,
    labels      text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX oauth_states_expiry_idx ON oauth_states (expires_at);

-- Idempotent requests: one row per (caller, Idempotency-Key). `request_hash` fingerprints method, path and body; the
-- first answer is kept for 24 h. A row without `status` is a request still running (or one whose process died: it may
-- be taken over after `locked_until`).
CREATE TABLE idempotency_keys (
    api_key_id     uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    key            text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash   bytea NOT NULL CHECK (octet_length(request_hash) = 32),
    status         integer CHECK (status BETWEEN 100 AND 599),
    content_type   text,
    response_body  bytea,
    created_at     timestamptz NOT NULL DEFAULT now(),
    locked_until   timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

-- Accounts remember which caller connected them.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS connected_by uuid REFERENCES api_keys (id) ON DELETE SET NULL;
