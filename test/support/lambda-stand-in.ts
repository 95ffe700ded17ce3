/**
 * A stand-in for the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`, REST-JSON)
 * that the real SDK client talks to over HTTP: `ok` answers its payload back, `fails` reports a
 * function error, anything else is ResourceNotFoundException, as Lambda answers them.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LambdaStandIn {
  endpoint: string;
  calls: {
    functionName: string;
    invocationType: string;
    payload: string;
    headers: IncomingHttpHeaders;
  }[];
  stop(): Promise<void>;
}

export async function startLambdaStandIn(): Promise<LambdaStandIn> {
  const calls: LambdaStandIn['calls'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
      const functionName = decodeURIComponent(m?.[1] ?? '');
      const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      calls.push({ functionName, invocationType, payload: body, headers: req.headers });
      if (functionName === 'ok') {
        res.writeHead(invocationType === 'Event' ? 202 : 200, {
          'Content-Type': 'application/json',
          'X-Amz-Executed-Version': '$LATEST',
        });
        return res.end(
          invocationType === 'Event' ? '' : JSON.stringify({ echo: JSON.parse(body || '{}') }),
        );
      }
      if (functionName === 'fails') {
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'X-Amz-Function-Error': 'Unhandled',
        });
        return res.end(JSON.stringify({ errorMessage: 'boom', errorType: 'Error' }));
      }
      res.writeHead(404, {
        'Content-Type': 'application/json',
        'X-Amzn-ErrorType': 'ResourceNotFoundException',
      });
      res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
