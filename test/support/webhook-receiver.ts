import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP endpoint standing in for a customer's webhook: it answers 204 and keeps every JSON body POSTed. It
 * listens on 127.0.0.1 and a random port, which the gateway refuses by default: a gateway that should deliver to it
 * needs WEBHOOK_ALLOWED_PRIVATE_CIDRS=127.0.0.1/32 and WEBHOOK_ALLOWED_PORTS=<port>.
 */
export interface WebhookReceiver<T> {
  url: string;
  port: number;
  received: T[];
  close(): Promise<void>;
}

export async function startWebhookReceiver<T>(path = '/hook'): Promise<WebhookReceiver<T>> {
  const received: T[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as T);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
