-- CreateEnum
CREATE TYPE "vector_index_status" AS ENUM ('BUILDING', 'READY');

-- CreateTable
CREATE TABLE "vector_index" (
    "id" SERIAL NOT NULL,
    "collection" TEXT NOT NULL,
    "model_id" TEXT NOT NULL,
    "text_dimensions" INTEGER NOT NULL,
    "features" JSONB NOT NULL,
    "scaler" JSONB NOT NULL,
    "behaviour_weight" DOUBLE PRECISION NOT NULL,
    "status" "vector_index_status" NOT NULL DEFAULT 'BUILDING',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ready_at" TIMESTAMPTZ(3),

    CONSTRAINT "vector_index_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customer_vector" (
    "customer_id" INTEGER NOT NULL,
    "index_id" INTEGER NOT NULL,
    "text_hash" TEXT NOT NULL,
    "point_hash" TEXT NOT NULL,
    "embedded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customer_vector_pkey" PRIMARY KEY ("customer_id","index_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "vector_index_collection_key" ON "vector_index"("collection");

-- CreateIndex
CREATE INDEX "customer_vector_index_id_idx" ON "customer_vector"("index_id");

-- AddForeignKey
ALTER TABLE "customer_vector" ADD CONSTRAINT "customer_vector_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_vector" ADD CONSTRAINT "customer_vector_index_id_fkey" FOREIGN KEY ("index_id") REFERENCES "vector_index"("id") ON DELETE CASCADE ON UPDATE CASCADE;
