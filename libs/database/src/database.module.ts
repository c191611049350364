import { DynamicModule, Module } from '@nestjs/common';
import { createPrismaService, PrismaService } from './prisma.service.js';

export interface DatabaseModuleOptions {
  databaseUrl: string;
  poolSize?: number;
}

@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: PrismaService,
          useFactory: () => createPrismaService(options.databaseUrl, options.poolSize),
        },
      ],
      exports: [PrismaService],
    };
  }
}
