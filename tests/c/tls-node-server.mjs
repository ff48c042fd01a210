// A Node https origin for tests/c/test_tls_native.c: serves one fixed reply
// with the given key and certificate chain on an ephemeral port of 127.0.0.1,
// prints the port, and exits when its parent closes stdin.
// Usage: node tls-node-server.mjs KEY CHAIN
import { readFileSync } from 'node:fs';
import https from 'node:https';

const [key, cert] = process.argv.slice(2).map((p) => readFileSync(p));
const server = https.createServer({ key, cert }, (req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end('node-ok\n');
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
