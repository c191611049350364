import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP endpoint standing in for a customer's webhook: it answers 204 and keeps every JSON body POSTed. */
export interface WebhookReceiver<T> {
  url: string;
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
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
