-- The lexical view: its fitted model and the balance of the views in `combined`, per vector index.
ALTER TABLE "vector_index" ADD COLUMN "lexical" BYTEA, ADD COLUMN "views" JSONB;
