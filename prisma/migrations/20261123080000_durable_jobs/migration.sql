-- Durable jobs: what was asked, how far it got and how it ended, in the database, so the jobs list
-- survives a restart and a job whose process died is seen as dead (its heartbeat stops). pg-boss
-- (schema "pgboss", created by the library) carries the work to a worker; this table is the record.
CREATE TYPE "job_status" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

CREATE TABLE "job" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "lock_key" TEXT NOT NULL,
    "status" "job_status" NOT NULL DEFAULT 'QUEUED',
    "parameters" JSONB NOT NULL DEFAULT '{}',
    "processed" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER NOT NULL DEFAULT 0,
    "message" TEXT,
    "result" JSONB,
    "error" TEXT,
    "worker" TEXT,
    "queue_id" TEXT,
    "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "job_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "job_created_at_idx" ON "job"("created_at");
CREATE INDEX "job_status_idx" ON "job"("status");

-- One live job per lock (an embedding per collection, one segmentation): a second enqueue, from any
-- process, fails on this index and is answered CONFLICT. Partial, so Prisma's schema cannot say it;
-- test/db/schema.test.ts checks it by name.
CREATE UNIQUE INDEX "job_live_lock_key" ON "job"("lock_key") WHERE "status" IN ('QUEUED', 'RUNNING');
