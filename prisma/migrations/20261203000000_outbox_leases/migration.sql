-- AlterTable
ALTER TABLE "outbox_events" ADD COLUMN     "claimed_by" TEXT,
ADD COLUMN     "claimed_until" TIMESTAMPTZ(3);
