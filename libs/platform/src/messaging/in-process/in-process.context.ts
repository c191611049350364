import { BaseRpcContext } from '@nestjs/microservices';
import type { Delivery } from '../delivery.js';

/** The handler context of the in-process transport; handlers pass it to the runner like a KafkaContext. */
export class InProcessContext extends BaseRpcContext<[Delivery]> {
  get delivery(): Delivery {
    return this.args[0];
  }
}
