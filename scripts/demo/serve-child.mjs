// The demo server in a child process (for the load run): starts on a free loopback port and sends its URL
// and demo tokens to the parent.
import { startDemoServer } from './server.mjs';

const demo = await startDemoServer({ port: 0, log: () => {} });
process.send({ url: demo.url, tokens: demo.tokens });
process.on('disconnect', () => demo.close().then(() => process.exit(0)));
