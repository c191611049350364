-- AlterTable
ALTER TABLE "cost_events" ADD COLUMN     "attempts" INTEGER,
ADD COLUMN     "estimated" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "latency_ms" INTEGER,
ADD COLUMN     "outcome" TEXT,
ADD COLUMN     "price_version_id" UUID,
ADD COLUMN     "prompt_variant" TEXT,
ADD COLUMN     "served_model" TEXT,
ALTER COLUMN "cost_usd" SET DATA TYPE DECIMAL(24,12);

-- CreateTable
CREATE TABLE "price_versions" (
    "id" UUID NOT NULL,
    "engine" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "input_per_million" DECIMAL(18,8),
    "output_per_million" DECIMAL(18,8),
    "cached_input_per_million" DECIMAL(18,8),
    "per_model_second" DECIMAL(18,10),
    "source" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "price_versions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "cost_events_occurred_at_idx" ON "cost_events"("occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "price_versions_engine_model_version_key" ON "price_versions"("engine", "model", "version");

-- CreateIndex
CREATE UNIQUE INDEX "price_versions_engine_model_effective_from_key" ON "price_versions"("engine", "model", "effective_from");

-- AddForeignKey
ALTER TABLE "cost_events" ADD CONSTRAINT "cost_events_price_version_id_fkey" FOREIGN KEY ("price_version_id") REFERENCES "price_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Seed: starting prices so a fresh installation prices events at once. Finance replaces them with new versions
-- (a later effective date); events keep the version that priced them. LLM rates are the providers' public list
-- prices per million tokens; the NER rate is an infrastructure estimate (a 2-vCPU instance at about $0.14/hour).
INSERT INTO "price_versions" ("id", "engine", "model", "version", "effective_from", "input_per_million", "output_per_million", "cached_input_per_million", "per_model_second", "source", "created_by") VALUES
('6c1f4a10-0000-4000-8000-000000000001', 'llm', 'gpt-4o', 1, '2026-01-01T00:00:00Z', 2.50, 10.00, 1.25, NULL, 'seed: OpenAI public list price', 'migration 20261128110000_cost_meter'),
('6c1f4a10-0000-4000-8000-000000000002', 'llm', 'gpt-4o-mini', 1, '2026-01-01T00:00:00Z', 0.15, 0.60, 0.075, NULL, 'seed: OpenAI public list price', 'migration 20261128110000_cost_meter'),
('6c1f4a10-0000-4000-8000-000000000003', 'llm', 'gpt-4.1', 1, '2026-01-01T00:00:00Z', 2.00, 8.00, 0.50, NULL, 'seed: OpenAI public list price', 'migration 20261128110000_cost_meter'),
('6c1f4a10-0000-4000-8000-000000000004', 'llm', 'gpt-4.1-mini', 1, '2026-01-01T00:00:00Z', 0.40, 1.60, 0.10, NULL, 'seed: OpenAI public list price', 'migration 20261128110000_cost_meter'),
('6c1f4a10-0000-4000-8000-000000000005', 'bert-ner', 'clinex-bert-ner', 1, '2026-01-01T00:00:00Z', NULL, NULL, NULL, 0.0000400000, 'seed: infrastructure estimate, 2 vCPU at $0.144/hour', 'migration 20261128110000_cost_meter');
