-- Platform operators (issue 21): a key role that belongs to no tenant. Hospitals' keys (submitter, reviewer,
-- finance, admin) always name their tenant; an operator key never does, and only the CLI creates one.

-- AlterEnum
ALTER TYPE "ApiKeyRole" ADD VALUE 'operator';

-- AlterTable
ALTER TABLE "api_keys" ALTER COLUMN "tenant_id" DROP NOT NULL;

-- A role is a tenant role exactly when the key names a tenant. Compared as text: the new enum value cannot be used
-- as a value in the transaction that adds it.
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_operator_has_no_tenant"
  CHECK (("role"::text = 'operator') = ("tenant_id" IS NULL));
