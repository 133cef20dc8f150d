-- The run's 2-D map: each member's position, and the projection that placed them.
ALTER TABLE "segmentation_run" ADD COLUMN "projection" JSONB;
ALTER TABLE "membership" ADD COLUMN "map_x" REAL, ADD COLUMN "map_y" REAL;
