-- Request counts per API key for rate-limiter-flexible's PostgreSQL store (its own table layout), in a
-- schema of its own: it is the library's, not a model of ours, and every API process shares it.
CREATE SCHEMA IF NOT EXISTS "rate_limit";

CREATE TABLE IF NOT EXISTS "rate_limit"."requests" (
    "key" VARCHAR(255) PRIMARY KEY,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT
);
