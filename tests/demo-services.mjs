// The provider emulators the demo starts by default, seeded with obviously
// fake demo secrets, on 127.0.0.1 only. Each starter returns
// {name, url, close, info}: `info` is what the page gets at /demo-services.json
// (the emulator URL, the demo credentials to pre-fill the connect form with,
// and example links). Emulators still being written are skipped when their
// module does not exist yet.
//
//   import { demoServiceStarters } from './demo-services.mjs';
//   await startDemo({ services: demoServiceStarters() });
//
// HTTPS is opt-in: demoServiceStarters({ tls }) serves every emulator with
// `tls` ({key, cert}; see tests/emulators/tls.mjs for a shared test CA) and names
// it https://localhost:<port> (the wasm TLS client checks DNS names only).

// Every value here is fake and exists only inside the local emulators.
export const DEMO_AWS_KEY = Object.freeze({
  accessKeyId: 'AKIADEMO00000EXAMPLE',
  secretAccessKey: 'demo-aws-secret-access-key-NOT-REAL',
});
export const DEMO_AWS_SECRETS = Object.freeze({
  stripe: { name: 'demo/stripe-key', suffix: 'Dm0Stp', string: 'demo-aws-stripe-key-NOT-REAL' },
  db: { name: 'demo/database', suffix: 'Dm0Dbx', string: '{"username":"demo-user","password":"demo-aws-db-password-NOT-REAL"}' },
  denied: { name: 'demo/other-team', suffix: 'Dm0Oth', string: 'demo-aws-other-team-NOT-REAL' },
});
export const DEMO_VAULT_TOKEN = 'hvs.demo-vault-token-NOT-REAL';
export const DEMO_VAULT_SECRETS = Object.freeze({
  'secret/demo/app': { api_key: 'demo-vault-api-key-NOT-REAL', region: 'demo-region' },
});

const arnOf = (s) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${s.name}-${s.suffix}`;

async function startAws({ host, tls }) {
  const { startAwsEmulator } = await import('./emulators/aws.mjs');
  const aws = await startAwsEmulator({
    tls,
    secrets: Object.values(DEMO_AWS_SECRETS),
    // The demo key may read demo/stripe-key and demo/database, not demo/other-team.
    keys: [{ ...DEMO_AWS_KEY, allow: [arnOf(DEMO_AWS_SECRETS.stripe), arnOf(DEMO_AWS_SECRETS.db)] }],
  });
  const url = aws.url.replace('127.0.0.1', host);
  return {
    name: 'aws',
    url,
    close: aws.close,
    emulator: aws,
    info: {
      provider: 'aws',
      url,
      connect: { ...DEMO_AWS_KEY, endpoint: url },
      links: [
        { name: 'aws-stripe', source: { provider: 'aws', aws: { secretArn: arnOf(DEMO_AWS_SECRETS.stripe) } }, domains: ['http://127.0.0.1'] },
        {
          name: 'aws-db-password',
          source: { provider: 'aws', aws: { secretArn: arnOf(DEMO_AWS_SECRETS.db), format: 'json', key: 'password' } },
          domains: ['http://127.0.0.1'],
        },
        { name: 'aws-other-team', source: { provider: 'aws', aws: { secretArn: arnOf(DEMO_AWS_SECRETS.denied) } }, domains: [] },
      ],
    },
  };
}

async function startHashicorp({ host, origin, tls }) {
  const { startVaultEmulator } = await import('./emulators/vault.mjs');
  const v = await startVaultEmulator({
    tls,
    mounts: { 'secret/': { type: 'kv', version: 2 } },
    secrets: DEMO_VAULT_SECRETS,
    policies: { demo: { 'secret/data/demo/*': ['read'], 'secret/metadata/demo/*': ['read', 'list'], 'sys/internal/ui/mounts/*': ['read'] } },
    tokens: { [DEMO_VAULT_TOKEN]: { policies: ['demo'], ttl: 0 } },
    // Vault answers browsers only for configured origins (sys/config/cors).
    cors: { allowed_origins: origin ? [origin] : '*' },
  });
  const url = v.url.replace('127.0.0.1', host);
  return {
    name: 'hashicorp',
    url,
    close: v.close,
    emulator: v,
    info: {
      provider: 'hashicorp',
      url,
      connect: { address: url, token: DEMO_VAULT_TOKEN },
      links: [{ name: 'vault-api-key', source: { provider: 'hashicorp', hashicorp: { engine: 'secret', path: 'demo/app', key: 'api_key' } }, domains: ['http://127.0.0.1'] }],
    },
  };
}

/**
 * Emulators being written by others: started when their module exists. Their
 * seeds are their own business; the page gets the URL and fills the rest in.
 */
function optional(name, file, exportName, seed, describe = () => ({})) {
  return async ({ host, origin, tls }) => {
    let mod;
    try {
      mod = await import(file);
    } catch (e) {
      if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(file.slice(2))) return null;
      throw e;
    }
    const start = mod[exportName];
    if (typeof start !== 'function') return null;
    const emu = await start({ ...seed({ host, origin }), tls });
    const url = emu.url.replace('127.0.0.1', host);
    return { name, url, close: emu.close, emulator: emu, info: { provider: name, url, connect: {}, links: [], ...describe(emu, url) } };
  };
}

export const DEMO_TOKENS = Object.freeze({ azure: 'demo-azure-access-token-NOT-REAL', gcp: 'demo-gcp-access-token-NOT-REAL' });

export const DEMO_1P = Object.freeze({
  token: 'demo-1password-connect-token-NOT-REAL',
  vault: { id: 'demovault00000000000000001', name: 'Demo' },
  item: {
    id: 'demoitem000000000000000001',
    title: 'Demo API',
    category: 'API_CREDENTIAL',
    version: 1,
    fields: [{ id: 'credential', type: 'CONCEALED', purpose: 'PASSWORD', label: 'credential', value: 'demo-1password-credential-NOT-REAL' }],
  },
});

/** 1Password Connect sends no CORS headers; the demo turns them on, as a proxy in front of it would. */
function onePasswordSeed() {
  return {
    tokens: [{ token: DEMO_1P.token, vaults: '*' }],
    vaults: [DEMO_1P.vault],
    items: [{ ...DEMO_1P.item, vault: { id: DEMO_1P.vault.id } }],
  };
}

/**
 * The starters, in order: AWS and HashiCorp Vault, then whichever others exist.
 * @param {object} [opts]
 * @param {{key: string, cert: string}} [opts.tls]  serve HTTPS with this leaf
 *   (SAN DNS:localhost) and publish the URLs with host `localhost`; default HTTP
 *   on the host the caller passes (127.0.0.1).
 * @returns {Array<(ctx: {host: string, origin?: string}) => Promise<object|null>>}
 */
export function demoServiceStarters({ tls } = {}) {
  const starters = [
    startAws,
    startHashicorp,
    optional(
      'azure',
      './emulators/azure.mjs',
      'startAzureEmulator',
      () => ({ secrets: [{ name: 'demo-secret', value: 'demo-azure-secret-NOT-REAL' }], tokens: [{ token: DEMO_TOKENS.azure }] }),
      (emu, url) => ({
        connect: { accessToken: DEMO_TOKENS.azure, endpoint: url },
        note: 'Key Vault sends no CORS headers: from a page it needs the tunnel transport, so expect "provider unreachable" here.',
        links: [{ name: 'azure-secret', source: { provider: 'azure', azure: { secretId: 'https://demo.vault.azure.net/secrets/demo-secret' } }, domains: ['http://127.0.0.1'] }],
      }),
    ),
    optional(
      'gcp',
      './emulators/gcp.mjs',
      'startGcpEmulator',
      () => ({ secrets: [{ project: 'demo-project', name: 'demo-api-key', versions: [{ data: 'demo-gcp-api-key-NOT-REAL' }] }], tokens: [{ token: DEMO_TOKENS.gcp }] }),
      (emu, url) => ({
        connect: { accessToken: DEMO_TOKENS.gcp, endpoint: url },
        links: [{ name: 'gcp-api-key', source: { provider: 'gcp', gcp: { name: 'projects/demo-project/secrets/demo-api-key/versions/latest' } }, domains: ['http://127.0.0.1'] }],
      }),
    ),
    optional('1password', './emulators/onepassword.mjs', 'startOnePasswordEmulator', onePasswordSeed, (emu, url) => {
      if (emu.state) emu.state.cors = true;
      return {
        connect: { host: url, token: DEMO_1P.token },
        links: [{ name: 'op-credential', source: { provider: '1password', '1password': { secretReference: 'op://Demo/Demo API/credential' } }, domains: ['http://127.0.0.1'] }],
      };
    }),
  ];
  if (!tls) return starters;
  const leaf = { key: tls.key, cert: tls.cert };
  return starters.map((start) => (ctx) => start({ ...ctx, host: 'localhost', tls: leaf }));
}
