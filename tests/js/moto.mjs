// moto's server (moto[server] 5.2.5, `make moto`) on a free loopback port, for the tests that speak to AWS
// services through the real SDK clients: Cognito user pools, S3 and KMS.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const MOTO_SERVER = process.env.MOTO_SERVER ?? path.join(os.homedir(), '.cache/cedar-authorizer/moto-5.2.5/bin/moto_server');
if (!fs.existsSync(MOTO_SERVER)) throw new Error(`moto_server is not at ${MOTO_SERVER}: run \`make moto\` (or set MOTO_SERVER)`);

export const REGION = 'us-east-1';
export const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** A free loopback port: bind to 0, read it, let it go. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts moto's server: `{ child, url }`, once it answers. */
export async function startMoto() {
  const port = await freePort();
  const child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], {
    env: {
      PATH: process.env.PATH,
      HOME: os.tmpdir(),
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_DEFAULT_REGION: REGION,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      const r = await fetch(`${url}/moto-api/data.json`);
      if (r.ok) return { child, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`moto_server did not answer on ${url} within 30 s: ${stderr}`);
}
