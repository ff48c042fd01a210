// A GCP-like Secret Manager origin over HTTPS for tests/c/test_tunnel_native.c:
// answers GET …/secrets/s/versions/latest:access with the value's payload for
// the bearer token "ya29.native", keep-alive; prints its port and exits when
// its parent closes stdin. Usage: node tunnel-node-server.mjs KEY CHAIN
import { readFileSync } from 'node:fs';
import https from 'node:https';

const [key, cert] = process.argv.slice(2).map((p) => readFileSync(p));
const server = https.createServer({ key, cert, keepAliveTimeout: 30000 }, (req, res) => {
  if (req.headers.authorization !== 'Bearer ya29.native') {
    res.writeHead(401, { 'content-type': 'application/json' });
    return res.end('{"error":{"code":401,"status":"UNAUTHENTICATED"}}');
  }
  const body = JSON.stringify({ name: 'projects/1/secrets/s/versions/1', payload: { data: Buffer.from('native-tunnel-value').toString('base64') } });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
