-- Operations: the request that started a job (its X-Request-Id, so a job's log lines join the
-- request's), and keys that stop working at a set time.
ALTER TABLE "job" ADD COLUMN "request_id" TEXT;
ALTER TABLE "api_key" ADD COLUMN "expires_at" TIMESTAMPTZ(3);
