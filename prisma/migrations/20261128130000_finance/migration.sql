-- AlterTable
ALTER TABLE "notes" ADD COLUMN     "engine_fallback" TEXT;

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "alert_webhook_url" TEXT;

-- CreateTable
CREATE TABLE "tenant_budgets" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "month" TEXT NOT NULL,
    "soft_limit_usd" DECIMAL(18,2),
    "hard_limit_usd" DECIMAL(18,2),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_budgets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budget_alerts" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "month" TEXT NOT NULL,
    "threshold_percent" INTEGER,
    "spend_usd" DECIMAL(24,12) NOT NULL,
    "limit_usd" DECIMAL(24,12),
    "message" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),
    "delivery_attempts" INTEGER NOT NULL DEFAULT 0,
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_error" TEXT,

    CONSTRAINT "budget_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenant_budgets_tenant_id_month_key" ON "tenant_budgets"("tenant_id", "month");

-- CreateIndex
CREATE INDEX "budget_alerts_tenant_id_created_at_idx" ON "budget_alerts"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "budget_alerts_delivered_at_idx" ON "budget_alerts"("delivered_at");

-- CreateIndex
CREATE UNIQUE INDEX "budget_alerts_tenant_id_dedupe_key_key" ON "budget_alerts"("tenant_id", "dedupe_key");

-- AddForeignKey
ALTER TABLE "tenant_budgets" ADD CONSTRAINT "tenant_budgets_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget_alerts" ADD CONSTRAINT "budget_alerts_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Extended statistics (not modelled by Prisma): without them the planner takes the five grouping columns of the
-- dashboard's daily-spend query as independent, expects ~one group per row, and sorts 330k rows on disk instead of
-- hashing ~2,000 groups (bench/finance.bench.ts).
CREATE STATISTICS "cost_events_daily_spend_stats" (ndistinct) ON "tenant_id", "engine", "model", "purpose", (date_trunc('day', "occurred_at" AT TIME ZONE 'UTC')) FROM "cost_events";
