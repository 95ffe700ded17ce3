/**
 * A stand-in for the two Secrets Manager operations the adapter uses, speaking AWS's JSON 1.1
 * protocol (`X-Amz-Target: secretsmanager.<Operation>`), so the real SDK client talks to it over
 * HTTP. No Secrets Manager stand-in exists on npm (FACTS.md lists what does).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredSecret {
  name: string;
  value: string;
  tags?: Record<string, string>;
}

export async function startSecretsManagerStandIn(secrets: StoredSecret[]) {
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls++;
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse(body || '{}') as Record<string, unknown>;
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      if (target === 'secretsmanager.GetSecretValue') {
        const s = secrets.find((x) => x.name === input['SecretId']);
        if (!s)
          return send(400, {
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          });
        return send(200, {
          Name: s.name,
          SecretString: s.value,
          ARN: `arn:aws:secretsmanager:us-east-1:1:secret:${s.name}`,
        });
      }
      if (target === 'secretsmanager.ListSecrets') {
        const filters = (input['Filters'] ?? []) as { Key: string; Values: string[] }[];
        const match = (s: StoredSecret) =>
          filters.every((f) => {
            const tags = s.tags ?? {};
            if (f.Key === 'name') return f.Values.some((v) => s.name.startsWith(v));
            if (f.Key === 'tag-key') return f.Values.some((v) => v in tags);
            if (f.Key === 'tag-value') return f.Values.some((v) => Object.values(tags).includes(v));
            return true;
          });
        return send(200, {
          SecretList: secrets.filter(match).map((s) => ({
            Name: s.name,
            Tags: Object.entries(s.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
          })),
        });
      }
      send(400, { __type: 'UnknownOperationException', message: target });
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
