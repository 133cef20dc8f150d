-- A saved audience that keeps its seeds (excludeSeeds: false) lists them first, without a score: the
-- ranking never scored them. The column was NOT NULL, so saving such an audience failed.
ALTER TABLE "audience_member" ALTER COLUMN "score" DROP NOT NULL;
