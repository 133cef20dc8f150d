-- Live audiences (issue 24): an audience keeps its definition (a lookalike, or a filter over segments,
-- value and churn risk), may refresh on a cron schedule, and stores each refresh as a version with its
-- members and the diff against the version before. Customers carry marketing consent and may be
-- suppressed: neither kind ever leaves the service in an audience.
ALTER TABLE "audience" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'LOOKALIKE';
ALTER TABLE "audience" ADD COLUMN "schedule" TEXT;
ALTER TABLE "audience" ADD COLUMN "next_refresh_at" TIMESTAMPTZ(3);
ALTER TABLE "audience" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "audience" ADD COLUMN "held_back" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "audience" ADD COLUMN "refreshed_at" TIMESTAMPTZ(3);
UPDATE "audience" SET "refreshed_at" = "created_at";
CREATE INDEX "audience_next_refresh_at_idx" ON "audience"("next_refresh_at");

CREATE TABLE "audience_version" (
    "audience_id" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "size" INTEGER NOT NULL,
    "held_back" INTEGER NOT NULL,
    "added" INTEGER NOT NULL,
    "removed" INTEGER NOT NULL,
    "unchanged" INTEGER NOT NULL,
    "quality" JSONB,
    "expires_at" TIMESTAMPTZ(3),
    "job_id" UUID,
    CONSTRAINT "audience_version_pkey" PRIMARY KEY ("audience_id","version")
);
ALTER TABLE "audience_version" ADD CONSTRAINT "audience_version_audience_id_fkey" FOREIGN KEY ("audience_id") REFERENCES "audience"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE INDEX "audience_version_expires_at_idx" ON "audience_version"("expires_at");
-- Every audience saved before had one version: what it holds now.
INSERT INTO "audience_version" ("audience_id", "version", "created_at", "size", "held_back", "added", "removed", "unchanged", "quality")
  SELECT "id", 1, "created_at", "size", 0, "size", 0, 0, "quality" FROM "audience";

ALTER TABLE "audience_member" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "audience_member" ALTER COLUMN "version" DROP DEFAULT;
ALTER TABLE "audience_member" DROP CONSTRAINT "audience_member_pkey";
ALTER TABLE "audience_member" ADD CONSTRAINT "audience_member_pkey" PRIMARY KEY ("audience_id","version","rank");
ALTER TABLE "audience_member" DROP CONSTRAINT "audience_member_audience_id_fkey";
ALTER TABLE "audience_member" ADD CONSTRAINT "audience_member_audience_id_version_fkey" FOREIGN KEY ("audience_id", "version") REFERENCES "audience_version"("audience_id", "version") ON DELETE CASCADE ON UPDATE CASCADE;
-- Diffs look a customer up in the neighbouring version.
CREATE INDEX "audience_member_audience_id_version_customer_id_idx" ON "audience_member"("audience_id","version","customer_id");

ALTER TABLE "customer" ADD COLUMN "marketing_consent" BOOLEAN;
ALTER TABLE "customer" ADD COLUMN "suppressed_at" TIMESTAMPTZ(3);
ALTER TABLE "customer" ADD COLUMN "suppression_reason" TEXT;
