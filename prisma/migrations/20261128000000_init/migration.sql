-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('submitter', 'reviewer', 'finance', 'admin');

-- CreateEnum
CREATE TYPE "NoteStatus" AS ENUM ('received', 'queued', 'extracted', 'accepted', 'needs_review', 'rejected', 'failed');

-- CreateEnum
CREATE TYPE "ExtractionStatus" AS ENUM ('accepted', 'needs_review', 'rejected');

-- CreateEnum
CREATE TYPE "FlagSeverity" AS ENUM ('info', 'warning', 'error');

-- CreateEnum
CREATE TYPE "ReviewDecisionKind" AS ENUM ('accept', 'correct', 'reject');

-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "key_id" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "label" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notes" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "patient_ref" TEXT,
    "encounter_ref" TEXT,
    "requested_engine" TEXT NOT NULL,
    "status" "NoteStatus" NOT NULL DEFAULT 'received',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "message_key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "extractions" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "note_id" UUID NOT NULL,
    "engine_name" TEXT NOT NULL,
    "engine_model" TEXT NOT NULL,
    "engine_version" TEXT NOT NULL,
    "status" "ExtractionStatus" NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "extractions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "extraction_flags" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "extraction_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "severity" "FlagSeverity" NOT NULL,
    "message" TEXT NOT NULL,
    "path" TEXT NOT NULL,

    CONSTRAINT "extraction_flags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "extraction_medications" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "extraction_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "dose_value" DECIMAL(14,4),
    "dose_unit" TEXT,
    "frequency_code" TEXT,
    "times_per_day" DECIMAL(8,4),
    "route_code" TEXT,
    "status" TEXT NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "extraction_medications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_decisions" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "extraction_id" UUID NOT NULL,
    "reviewer_key" TEXT NOT NULL,
    "decision" "ReviewDecisionKind" NOT NULL,
    "comment" TEXT,
    "before" JSONB NOT NULL,
    "after" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "review_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cost_events" (
    "id" UUID NOT NULL,
    "event_id" TEXT NOT NULL,
    "tenant_id" UUID NOT NULL,
    "note_id" UUID,
    "engine" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "input_tokens" INTEGER NOT NULL DEFAULT 0,
    "output_tokens" INTEGER NOT NULL DEFAULT 0,
    "cached_tokens" INTEGER NOT NULL DEFAULT 0,
    "model_seconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(18,8),
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cost_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "data" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_id_key" ON "api_keys"("key_id");

-- CreateIndex
CREATE INDEX "api_keys_tenant_id_idx" ON "api_keys"("tenant_id");

-- CreateIndex
CREATE INDEX "notes_tenant_id_created_at_idx" ON "notes"("tenant_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "notes_tenant_id_external_id_key" ON "notes"("tenant_id", "external_id");

-- CreateIndex
CREATE INDEX "outbox_events_published_at_id_idx" ON "outbox_events"("published_at", "id");

-- CreateIndex
CREATE INDEX "extractions_tenant_id_status_created_at_idx" ON "extractions"("tenant_id", "status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "extractions_note_id_engine_name_engine_version_key" ON "extractions"("note_id", "engine_name", "engine_version");

-- CreateIndex
CREATE INDEX "extraction_flags_extraction_id_idx" ON "extraction_flags"("extraction_id");

-- CreateIndex
CREATE INDEX "extraction_flags_tenant_id_code_idx" ON "extraction_flags"("tenant_id", "code");

-- CreateIndex
CREATE INDEX "extraction_medications_tenant_id_name_idx" ON "extraction_medications"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "extraction_medications_extraction_id_position_key" ON "extraction_medications"("extraction_id", "position");

-- CreateIndex
CREATE INDEX "review_decisions_tenant_id_created_at_idx" ON "review_decisions"("tenant_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "cost_events_event_id_key" ON "cost_events"("event_id");

-- CreateIndex
CREATE INDEX "cost_events_tenant_id_occurred_at_idx" ON "cost_events"("tenant_id", "occurred_at");

-- CreateIndex
CREATE INDEX "audit_log_tenant_id_created_at_idx" ON "audit_log"("tenant_id", "created_at");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notes" ADD CONSTRAINT "notes_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "extractions" ADD CONSTRAINT "extractions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "extractions" ADD CONSTRAINT "extractions_note_id_fkey" FOREIGN KEY ("note_id") REFERENCES "notes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "extraction_flags" ADD CONSTRAINT "extraction_flags_extraction_id_fkey" FOREIGN KEY ("extraction_id") REFERENCES "extractions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "extraction_medications" ADD CONSTRAINT "extraction_medications_extraction_id_fkey" FOREIGN KEY ("extraction_id") REFERENCES "extractions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_decisions" ADD CONSTRAINT "review_decisions_extraction_id_fkey" FOREIGN KEY ("extraction_id") REFERENCES "extractions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
