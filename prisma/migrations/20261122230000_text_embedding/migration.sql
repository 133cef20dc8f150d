-- Sentence-model vectors of distinct texts (reviews, searches, titles, categories), per model, keyed
-- by the sha256 of the cleaned text: a title bought by 10,000 customers is embedded once.
CREATE TABLE "text_embedding" (
    "model_id" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "vector" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "text_embedding_pkey" PRIMARY KEY ("model_id","hash")
);

-- Forgetting a customer deletes their texts' vectors under every model.
CREATE INDEX "text_embedding_hash_idx" ON "text_embedding"("hash");
