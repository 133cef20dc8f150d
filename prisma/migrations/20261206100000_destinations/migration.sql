-- Destinations (issue 24): where audience versions are delivered — a signed webhook or files in a
-- directory — which audiences go to which, and the state of every delivery of a version.
CREATE TABLE "destination" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "secret" TEXT,
    "paused_at" TIMESTAMPTZ(3),
    "paused_reason" TEXT,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    CONSTRAINT "destination_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "audience_destination" (
    "audience_id" INTEGER NOT NULL,
    "destination_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "audience_destination_pkey" PRIMARY KEY ("audience_id","destination_id")
);
ALTER TABLE "audience_destination" ADD CONSTRAINT "audience_destination_audience_id_fkey" FOREIGN KEY ("audience_id") REFERENCES "audience"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "audience_destination" ADD CONSTRAINT "audience_destination_destination_id_fkey" FOREIGN KEY ("destination_id") REFERENCES "destination"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE INDEX "audience_destination_destination_id_idx" ON "audience_destination"("destination_id");

CREATE TABLE "delivery" (
    "id" SERIAL NOT NULL,
    "audience_id" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "destination_id" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "phase" TEXT NOT NULL DEFAULT 'ADDED',
    "next_rank" INTEGER NOT NULL DEFAULT 0,
    "pages_sent" INTEGER NOT NULL DEFAULT 0,
    "members_sent" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "next_attempt_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "delivery_pkey" PRIMARY KEY ("id")
);
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_audience_id_version_fkey" FOREIGN KEY ("audience_id", "version") REFERENCES "audience_version"("audience_id", "version") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_destination_id_fkey" FOREIGN KEY ("destination_id") REFERENCES "destination"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE UNIQUE INDEX "delivery_audience_id_version_destination_id_key" ON "delivery"("audience_id","version","destination_id");
CREATE INDEX "delivery_status_next_attempt_at_idx" ON "delivery"("status","next_attempt_at");
CREATE INDEX "delivery_destination_id_idx" ON "delivery"("destination_id");
