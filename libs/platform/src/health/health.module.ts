import {
  Controller,
  Get,
  Inject,
  Module,
  SetMetadata,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';

/** Something a service needs before it can take work: the database, the Kafka cluster. Throws when not ready. */
export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
  /** Releases the probe's own connections when the service stops. */
  close?(): Promise<void>;
}

export const READINESS_PROBES = Symbol('READINESS_PROBES');

/** Marks a route as callable without credentials; an app's auth guard must honour it. */
export const PUBLIC_ROUTE = 'clinex:public-route';
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * `/health/live` answers while the process runs (restart it if not); `/health/ready` checks every probe (take it out
 * of rotation if not). Terminus formats both the way NestJS users and orchestrators expect (200 or 503).
 */
@Controller('health')
@Public()
class HealthController implements OnApplicationShutdown {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_PROBES) private readonly probes: ReadinessProbe[],
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.probes.map((p) => (p.close ? p.close() : Promise.resolve())));
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.probes.map(
        (probe) => () =>
          this.indicators
            .check(probe.name)
            .attempt(async () => {
              await probe.check();
            })
            .withTimeout(3000),
      ),
    );
  }
}

@Module({})
export class HealthModule {
  /** `probes` is a provider that yields the app's ReadinessProbe list under READINESS_PROBES. */
  static forRoot(probes: Provider): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [probes],
    };
  }
}
