-- A note whose message was dead-lettered is `failed` (issue 19): the hospital polling it sees why, instead of a note
-- that stays `extracting` forever. The reason is the dead letter's reason and error codes, never note text.

-- AlterTable
ALTER TABLE "notes" ADD COLUMN "failure_reason" TEXT;
