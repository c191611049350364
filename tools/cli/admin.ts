import { parseArgs } from 'node:util';
import { createPrismaService, type PrismaService } from '#database';
import { AdminError } from '../../apps/gateway/src/admin/admin.errors.js';
import { AdminService } from '../../apps/gateway/src/admin/admin.service.js';
import { ApiKeyRepository } from '../../apps/gateway/src/auth/api-key.repository.js';
import { ApiKeyService } from '../../apps/gateway/src/auth/api-key.service.js';
import { checkString } from '../../apps/gateway/src/http/character.policy.js';
import { ROLES, type Role } from '../../apps/gateway/src/auth/principal.js';
import { TenantRepository } from '../../apps/gateway/src/tenants/tenant.repository.js';
import { CliInputError } from '../../apps/validator/src/cli/cli-input.error.js';

/**
 * `clinex admin <action>`: the operator's side of tenant administration, straight against the database in
 * DATABASE_URL. Creating a tenant also issues its first admin key; that key then manages the tenant's other keys
 * over HTTP (/v1/admin/api-keys). Platform-operator keys (no tenant: all-tenant finance views, price versions) are
 * made only here. Keys are printed once, as JSON on stdout, and stored only as scrypt hashes. A key revoked here
 * is refused by every gateway from its next request on.
 */

interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const USAGE = `Usage: clinex admin <action> [options]   (DATABASE_URL must point at the Clinex database)

  create-tenant --slug <slug> --name <name>     a tenant and its first admin key
  create-key --tenant <slug> --role <role> --label <label>
                                                an API key (role: ${ROLES.join(', ')})
  list-tenants                                  every tenant (id, slug, name)
  list-keys --tenant <slug>                     the tenant's keys, without secrets
  revoke-key --tenant <slug> --id <key id>      revoke a key
  create-operator-key --label <label>           a platform-operator key, of no tenant (all-tenant finance
                                                views, price versions); never give one to a hospital
  list-operator-keys                            the operator keys, without secrets
  revoke-operator-key --id <key id>             revoke an operator key
`;

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A key id as list-keys / list-operator-keys print it. */
function keyId(values: Record<string, string | undefined>): string {
  const id = required(values, 'id');
  if (!UUID.test(id)) throw new CliInputError('--id must be a key id (a UUID, as the list commands print it)');
  return id;
}

/** A key label: what the key is for, 1-200 characters under the API's rule for labels (character.policy.ts). */
function label(values: Record<string, string | undefined>): string {
  const text = required(values, 'label');
  if (text.length > 200) throw new CliInputError('--label must be at most 200 characters');
  const violation = checkString(text, 'identifier', '--label');
  if (violation) throw new CliInputError(`--label: ${violation.detail}`);
  return text;
}

function required(values: Record<string, string | undefined>, name: string): string {
  const value = values[name];
  if (!value) throw new CliInputError(`--${name} is required\n\n${USAGE}`);
  return value;
}

async function withAdmin<T>(run: (admin: AdminService, keys: ApiKeyService, tenants: TenantRepository) => Promise<T>) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new CliInputError('DATABASE_URL is not set');
  const prisma: PrismaService = createPrismaService(url, 2);
  try {
    const tenants = new TenantRepository(prisma);
    const keys = new ApiKeyService(new ApiKeyRepository(prisma), { AUTH_CACHE_TTL_MS: 0 });
    return await run(new AdminService(keys, tenants), keys, tenants);
  } catch (error) {
    if (error instanceof AdminError) throw new CliInputError(`${error.code}: ${error.message}`);
    throw error;
  } finally {
    await prisma.onApplicationShutdown();
  }
}

export const adminCommand = {
  summary: 'create tenants and API keys (operator tooling, against DATABASE_URL)',
  usage: USAGE,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const [action, ...rest] = args;
    if (!action || action === '--help' || action === '-h') {
      io.stdout(USAGE);
      return action ? 0 : 2;
    }
    let values: Record<string, string | undefined>;
    try {
      values = parseArgs({
        args: [...rest],
        options: {
          slug: { type: 'string' },
          name: { type: 'string' },
          tenant: { type: 'string' },
          role: { type: 'string' },
          label: { type: 'string' },
          id: { type: 'string' },
        },
        strict: true,
      }).values;
    } catch (error) {
      throw new CliInputError(`${(error as Error).message}\n\n${USAGE}`);
    }
    const print = (value: unknown) => io.stdout(`${JSON.stringify(value, null, 2)}\n`);

    switch (action) {
      case 'create-tenant': {
        const slug = required(values, 'slug');
        const name = required(values, 'name');
        if (!SLUG.test(slug)) throw new CliInputError('--slug must be 2-63 lowercase letters, digits and dashes');
        print(
          await withAdmin(async (admin) => {
            const tenant = await admin.createTenant(slug, name);
            const key = await admin.createKeyForTenant(slug, { role: 'admin', label: 'first admin key' });
            return { tenant, adminKey: key, note: 'the key is shown only now: store it in a secret manager' };
          }),
        );
        return 0;
      }
      case 'create-key': {
        const tenant = required(values, 'tenant');
        const role = required(values, 'role');
        if (!(ROLES as readonly string[]).includes(role))
          throw new CliInputError(`--role must be one of ${ROLES.join(', ')}`);
        const text = label(values);
        print(await withAdmin((admin) => admin.createKeyForTenant(tenant, { role: role as Role, label: text })));
        return 0;
      }
      case 'list-tenants':
        print(await withAdmin((admin) => admin.listTenants()));
        return 0;
      case 'list-keys': {
        const slug = required(values, 'tenant');
        print(
          await withAdmin(async (admin, _keys, tenants) => {
            const tenant = await tenants.findBySlug(slug);
            if (!tenant) throw new CliInputError(`no tenant with slug ${slug}`);
            return admin.listKeys({ tenantId: tenant.id, apiKeyId: 'cli', role: 'admin' });
          }),
        );
        return 0;
      }
      case 'revoke-key': {
        const slug = required(values, 'tenant');
        const id = keyId(values);
        await withAdmin(async (admin, _keys, tenants) => {
          const tenant = await tenants.findBySlug(slug);
          if (!tenant) throw new CliInputError(`no tenant with slug ${slug}`);
          await admin.revokeKey({ tenantId: tenant.id, apiKeyId: 'cli', role: 'admin' }, id);
        });
        print({ revoked: id });
        return 0;
      }
      case 'create-operator-key': {
        const text = label(values);
        print(
          await withAdmin(async (admin) => ({
            operatorKey: await admin.createOperatorKey(text),
            note: 'the key is shown only now: store it in a secret manager; it reads every tenant',
          })),
        );
        return 0;
      }
      case 'list-operator-keys':
        print(await withAdmin((admin) => admin.listOperatorKeys()));
        return 0;
      case 'revoke-operator-key': {
        const id = keyId(values);
        await withAdmin((admin) => admin.revokeOperatorKey(id));
        print({ revoked: id });
        return 0;
      }
      default:
        throw new CliInputError(`unknown action "${action}"\n\n${USAGE}`);
    }
  },
};
