import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '#database';

export interface TenantRecord {
  id: string;
  slug: string;
  name: string;
}

@Injectable()
export class TenantRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(slug: string, name: string): Promise<TenantRecord> {
    return this.prisma.client.tenant.create({
      data: { id: randomUUID(), slug, name },
      select: { id: true, slug: true, name: true },
    });
  }

  list(): Promise<TenantRecord[]> {
    return this.prisma.client.tenant.findMany({
      orderBy: { slug: 'asc' },
      select: { id: true, slug: true, name: true },
    });
  }

  findBySlug(slug: string): Promise<TenantRecord | null> {
    return this.prisma.client.tenant.findUnique({ where: { slug }, select: { id: true, slug: true, name: true } });
  }
}
