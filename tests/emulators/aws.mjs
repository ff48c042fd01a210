// AWS Secrets Manager (awsJson1_1) + STS (awsQuery) emulator, faithful to
// ../shared/reference/providers.md §1. Every signed request is verified by
// recomputing its SigV4 signature with the official @smithy/signature-v4.
//
//   const aws = await startAwsEmulator({ secrets: [...], keys: [...], roles: [...] });
//   // aws.url, aws.port, aws.state (mutable: throttle, fail, delayMs, now, …), await aws.close()
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { listen, randomChars } from './common.mjs';

const JSON_TYPE = 'application/x-amz-json-1.1';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const SKEW_MS = 5 * 60 * 1000;
const DEFAULT_ACCOUNT = '123456789012';

/* ---- seed normalisation ------------------------------------------------------ */

function normaliseSecret(s, opts) {
  const region = s.region ?? opts.region;
  const account = s.account ?? opts.accountId;
  const suffix = s.suffix ?? randomChars(6, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
  const arn = s.arn ?? `arn:aws:secretsmanager:${region}:${account}:secret:${s.name}-${suffix}`;
  const versions = (s.versions ?? [{ string: s.string, binary: s.binary }]).map((v, i, all) => ({
    id: v.id ?? randomUUID(),
    stages: v.stages ?? (i === all.length - 1 ? ['AWSCURRENT'] : []),
    string: v.string,
    binary: v.binary,
    createdDate: v.createdDate ?? s.createdDate ?? 1523477145.713,
  }));
  return { ...s, region, account, arn, versions, createdDate: s.createdDate ?? 1523477145.713 };
}

function normaliseKey(k, opts) {
  return {
    principal: `arn:aws:iam::${opts.accountId}:user/${k.accessKeyId}`,
    allow: ['*'],
    ...k,
  };
}

/* ---- SigV4 verification ------------------------------------------------------ */

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;_.-]+),\s*Signature=([0-9a-f]{64})$/;

function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  if (!m) return null;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

const amzDate = (ms) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/**
 * Checks the request's Authorization header. Returns {ok:true, key, region, service}
 * or {ok:false, code, message, status}; `status` distinguishes the JSON (400) and
 * query (403) protocols where AWS does.
 */
async function verifySigV4(state, req, url, body, protocol) {
  const h = req.headers;
  const authz = h.authorization;
  const q = protocol === 'query';
  if (!authz) {
    // CommonErrors.html: MissingAuthenticationToken (403).
    return { ok: false, status: 403, code: 'MissingAuthenticationToken', message: 'Missing Authentication Token' };
  }
  const m = AUTH_RE.exec(authz);
  if (!m) {
    return {
      ok: false,
      status: 400,
      code: 'IncompleteSignature',
      message: `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${authz.split(' ')[0]}`,
    };
  }
  const [, akid, date8, region, service, signedList, signature] = m;
  const key = state.keys.find((k) => k.accessKeyId === akid);
  if (!key) {
    return q
      ? { ok: false, status: 403, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' }
      : { ok: false, status: 400, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  }
  const signed = signedList.split(';');
  const xdate = h['x-amz-date'];
  const when = parseAmzDate(xdate);
  if (!signed.includes('host') || when === null || !signed.includes('x-amz-date') || xdate.slice(0, 8) !== date8) {
    return { ok: false, status: 400, code: 'IncompleteSignature', message: 'Date must be in ISO-8601 \'basic format\'. Got \'' + (xdate ?? '') + '\'.' };
  }
  const now = state.now();
  if (when < now - SKEW_MS) {
    return {
      ok: false,
      status: q ? 403 : 400,
      code: q ? 'SignatureDoesNotMatch' : 'InvalidSignatureException',
      message: `Signature expired: ${xdate} is now earlier than ${amzDate(now - SKEW_MS)} (${amzDate(now)} - 5 min.)`,
    };
  }
  if (when > now + SKEW_MS) {
    return {
      ok: false,
      status: q ? 403 : 400,
      code: q ? 'SignatureDoesNotMatch' : 'InvalidSignatureException',
      message: `Signature not yet current: ${xdate} is still later than ${amzDate(now + SKEW_MS)} (${amzDate(now)} + 5 min.)`,
    };
  }
  // Every signed header must be present; the session token must be among them
  // (providers.md §1.5: sign it, never add it afterwards).
  const headers = {};
  for (const name of signed) {
    if (h[name] === undefined) {
      return { ok: false, status: 400, code: 'IncompleteSignature', message: `Signed header ${name} is missing from the request.` };
    }
    headers[name] = h[name];
  }
  const bodyHash = createHash('sha256').update(body).digest('hex');
  if (headers['x-amz-content-sha256'] !== undefined && headers['x-amz-content-sha256'] !== bodyHash) {
    return mismatch(q);
  }
  if (key.sessionToken !== undefined) {
    // A temporary key without its token (or with another one) is unknown; a token
    // sent but left out of SignedHeaders fails the signature check below, since
    // the official signer always signs it.
    if (h['x-amz-security-token'] !== key.sessionToken) {
      return q
        ? { ok: false, status: 403, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' }
        : { ok: false, status: 400, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    }
  }
  const query = {};
  for (const [k, v] of url.searchParams) {
    if (query[k] === undefined) query[k] = v;
    else query[k] = [].concat(query[k], v);
  }
  const request = new HttpRequest({
    method: req.method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    path: url.pathname,
    query,
    headers,
    body,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken },
    region,
    service,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const out = await signer.sign(request, { signingDate: new Date(when), signableHeaders: new Set(signed) });
  const expected = /Signature=([0-9a-f]{64})/.exec(out.headers.authorization)[1];
  const expectedSigned = /SignedHeaders=([^,]+)/.exec(out.headers.authorization)[1];
  if (expectedSigned !== signedList || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) return mismatch(q);
  // Credentials are checked after the signature, as AWS does.
  if (key.expired || (key.expiresAt !== undefined && key.expiresAt <= now)) {
    return {
      ok: false,
      status: q ? 403 : 400,
      code: q ? 'ExpiredToken' : 'com.amazon.coral.service#ExpiredTokenException',
      message: 'The security token included in the request is expired',
      lowerCaseMessage: true,
    };
  }
  return { ok: true, key, region, service };
}

function mismatch(q) {
  return {
    ok: false,
    status: q ? 403 : 400,
    code: q ? 'SignatureDoesNotMatch' : 'InvalidSignatureException',
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  };
}

/* ---- access policy --------------------------------------------------------------- */

function globMatch(pattern, s) {
  if (pattern === '*') return true;
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(s);
}

const allowed = (key, secret) => (key.allow ?? []).some((p) => globMatch(p, secret.name) || globMatch(p, secret.arn));

/* ---- Secrets Manager ---------------------------------------------------------- */

function lookupSecret(state, secretId, region) {
  const inRegion = state.secrets.filter((s) => s.region === region);
  if (secretId.startsWith('arn:')) {
    const f = secretId.split(':');
    if (f.length !== 7 || f[2] !== 'secretsmanager' || f[5] !== 'secret') return { error: 'InvalidParameterException' };
    const full = inRegion.find((s) => s.arn === secretId);
    if (full) return { secret: full };
    // A partial ARN (no -XXXXXX) is accepted if it matches exactly one secret.
    const partial = inRegion.filter((s) => s.arn.startsWith(secretId + '-') && s.arn.length === secretId.length + 7);
    return partial.length === 1 ? { secret: partial[0] } : {};
  }
  // Names are looked up in the caller's own account only; cross-account needs the ARN.
  const byName = inRegion.find((s) => s.name === secretId && s.account === state.accountId);
  return byName ? { secret: byName } : {};
}

function secretValue(secret, version) {
  const out = {
    ARN: secret.arn,
    CreatedDate: version.createdDate,
    Name: secret.name,
    VersionId: version.id,
    VersionStages: version.stages,
  };
  if (version.binary !== undefined) out.SecretBinary = Buffer.from(version.binary).toString('base64');
  else out.SecretString = version.string;
  return out;
}

/** One GetSecretValue: {value} or {code, message}. */
function getSecretValue(state, key, region, input) {
  const { SecretId, VersionId, VersionStage } = input ?? {};
  const bad = (m) => ({ code: 'InvalidParameterException', message: m });
  if (typeof SecretId !== 'string' || SecretId.length < 1 || SecretId.length > 2048)
    return bad('Invalid parameter: SecretId must be 1 to 2048 characters.');
  if (VersionId !== undefined && (typeof VersionId !== 'string' || VersionId.length < 32 || VersionId.length > 64))
    return bad('Invalid parameter: VersionId must be 32 to 64 characters.');
  if (VersionStage !== undefined && (typeof VersionStage !== 'string' || VersionStage.length < 1 || VersionStage.length > 256))
    return bad('Invalid parameter: VersionStage must be 1 to 256 characters.');
  const { secret, error } = lookupSecret(state, SecretId, region);
  if (error) return bad('Invalid parameter: SecretId is not a valid ARN.');
  const denied = {
    code: 'AccessDeniedException',
    message: `User: ${key.principal} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SecretId} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
  };
  // IAM is evaluated before existence is revealed.
  if (!secret) {
    if (!(key.allow ?? []).some((p) => p === '*' || globMatch(p, SecretId))) return denied;
    return { code: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." };
  }
  if (!allowed(key, secret)) return denied;
  if (secret.deleted) {
    return {
      code: 'InvalidRequestException',
      message: "You can't perform this operation on the secret because it was marked for deletion.",
    };
  }
  if (secret.kmsDenied) {
    return {
      code: 'DecryptionFailure',
      message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
    };
  }
  let version;
  if (VersionId !== undefined) {
    version = secret.versions.find((v) => v.id === VersionId);
    if (!version) return { code: 'ResourceNotFoundException', message: `Secrets Manager can't find the specified secret value for VersionId: ${VersionId}` };
    if (VersionStage !== undefined && !version.stages.includes(VersionStage)) {
      return { code: 'InvalidRequestException', message: 'You provided a VersionStage that is not associated to the provided VersionId.' };
    }
  } else {
    const stage = VersionStage ?? 'AWSCURRENT';
    version = secret.versions.find((v) => v.stages.includes(stage));
    if (!version) return { code: 'ResourceNotFoundException', message: `Secrets Manager can't find the specified secret value for staging label: ${stage}` };
  }
  return { value: secretValue(secret, version) };
}

function jsonError(res, cors, status, code, message, lowerCaseMessage) {
  const body = lowerCaseMessage ? { __type: code, message } : { __type: code, Message: message };
  send(res, cors, status, JSON_TYPE, JSON.stringify(body));
}

function send(res, cors, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'x-amzn-RequestId': randomUUID(), ...cors, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function handleSecretsManager(state, req, res, url, body, cors) {
  const target = req.headers['x-amz-target'];
  const auth = await verifySigV4(state, req, url, body, 'json');
  if (!auth.ok) return jsonError(res, cors, auth.status, auth.code, auth.message, auth.lowerCaseMessage);
  if (auth.service !== 'secretsmanager') return jsonError(res, cors, 400, 'InvalidSignatureException', `Credential should be scoped to correct service: 'secretsmanager'.`);
  if (state.delayMs > 0) await new Promise((ok) => setTimeout(ok, state.delayMs));
  if (state.throttle) return jsonError(res, cors, 400, 'ThrottlingException', 'Rate exceeded');
  if (state.fail === 'InternalServiceError') return jsonError(res, cors, 500, 'InternalServiceError', 'An error occurred on the server side.');
  if (state.fail === 'ServiceUnavailable') return jsonError(res, cors, 503, 'ServiceUnavailable', 'Service Unavailable');
  if (!/^application\/x-amz-json-1\.1/.test(req.headers['content-type'] ?? '')) {
    return jsonError(res, cors, 400, 'SerializationException', 'Unexpected content type');
  }
  let input;
  try {
    input = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    return jsonError(res, cors, 400, 'SerializationException', 'Start of structure or map found where not expected.');
  }
  state.calls.push({ operation: target, accessKeyId: auth.key.accessKeyId, input });
  if (target === 'secretsmanager.GetSecretValue') {
    const r = getSecretValue(state, auth.key, auth.region, input);
    if (r.code) return jsonError(res, cors, 400, r.code, r.message);
    return send(res, cors, 200, JSON_TYPE, JSON.stringify(r.value));
  }
  if (target === 'secretsmanager.BatchGetSecretValue') {
    if (!Array.isArray(input.SecretIdList) || input.SecretIdList.length === 0 || input.SecretIdList.length > 20) {
      return jsonError(res, cors, 400, 'InvalidParameterException', 'Invalid parameter: SecretIdList must hold 1 to 20 ids.');
    }
    const SecretValues = [];
    const Errors = [];
    for (const SecretId of input.SecretIdList) {
      const r = getSecretValue(state, auth.key, auth.region, { SecretId });
      if (r.code) Errors.push({ SecretId, ErrorCode: r.code, Message: r.message });
      else SecretValues.push(r.value);
    }
    return send(res, cors, 200, JSON_TYPE, JSON.stringify({ SecretValues, Errors }));
  }
  return jsonError(res, cors, 400, 'UnknownOperationException', '');
}

/* ---- STS ------------------------------------------------------------------------ */

const xmlEscape = (s) =>
  String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);

function stsError(res, cors, status, code, message, type = 'Sender') {
  const body =
    `<ErrorResponse xmlns="${STS_NS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(code)}</Code>\n` +
    `    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`;
  send(res, cors, status, 'text/xml', body);
}

const isoSeconds = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function issueCredentials(state, role, sessionName, durationSeconds, chained) {
  const now = state.now();
  const roleName = role.arn.split('/').pop();
  const key = {
    accessKeyId: 'ASIA' + randomChars(16),
    secretAccessKey: randomChars(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
    sessionToken: 'EMULATOR/SESSION/' + randomChars(120, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
    expiresAt: now + durationSeconds * 1000,
    principal: `arn:aws:sts::${state.accountId}:assumed-role/${roleName}/${sessionName}`,
    allow: role.allow ?? [],
    assumedRole: role.arn,
    chained,
  };
  state.keys.push(key);
  const roleId = role.roleId ?? 'AROA' + randomChars(17);
  role.roleId = roleId;
  return {
    key,
    xml:
      `<Credentials>\n      <AccessKeyId>${key.accessKeyId}</AccessKeyId>\n      <SecretAccessKey>${xmlEscape(key.secretAccessKey)}</SecretAccessKey>\n` +
      `      <SessionToken>${xmlEscape(key.sessionToken)}</SessionToken>\n      <Expiration>${isoSeconds(key.expiresAt)}</Expiration>\n    </Credentials>\n` +
      `    <AssumedRoleUser>\n      <Arn>${xmlEscape(key.principal)}</Arn>\n      <AssumedRoleId>${roleId}:${xmlEscape(sessionName)}</AssumedRoleId>\n    </AssumedRoleUser>\n` +
      `    <PackedPolicySize>6</PackedPolicySize>\n`,
  };
}

/** Common AssumeRole* parameter checks; returns an error [status, code, message] or null. */
function checkRoleParams(p, maxDuration) {
  const roleArn = p.get('RoleArn');
  const session = p.get('RoleSessionName');
  if (!roleArn || roleArn.length < 20 || roleArn.length > 2048)
    return [400, 'ValidationError', "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"];
  if (!session || session.length < 2 || session.length > 64 || !/^[\w+=,.@-]*$/.test(session))
    return [400, 'ValidationError', "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"];
  const d = p.has('DurationSeconds') ? Number(p.get('DurationSeconds')) : 3600;
  if (!Number.isInteger(d) || d < 900 || d > 43200)
    return [400, 'ValidationError', "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"];
  if (d > maxDuration)
    return [400, 'ValidationError', `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`];
  const policy = p.get('Policy');
  if (policy !== null) {
    if (policy.length > 2048) return [400, 'PackedPolicyTooLarge', 'Packed size of the policy exceeds the limit.'];
    try {
      JSON.parse(policy);
    } catch {
      return [400, 'MalformedPolicyDocument', 'The policy is not in the valid JSON format.'];
    }
  }
  return null;
}

function decodeJwtPayload(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

async function handleSts(state, req, res, url, body, cors) {
  const p = new URLSearchParams(body.toString('utf8'));
  const action = p.get('Action');
  if (p.get('Version') !== '2011-06-15') return stsError(res, cors, 400, 'InvalidAction', `Could not find operation ${action} for version ${p.get('Version')}`);
  if (state.regionDisabled) return stsError(res, cors, 403, 'RegionDisabledException', 'STS is not activated in this region for account:' + state.accountId + '. Your account administrator can activate STS in this region using the IAM Console.');

  if (action === 'AssumeRoleWithWebIdentity') {
    // Unsigned (smithy.api#noAuth): the web identity token is the credential.
    state.calls.push({ operation: 'sts.AssumeRoleWithWebIdentity', input: Object.fromEntries(p) });
    const role = state.roles.find((r) => r.arn === p.get('RoleArn'));
    const err = checkRoleParams(p, role?.maxSessionDuration ?? 3600);
    if (err) return stsError(res, cors, ...err);
    const token = p.get('WebIdentityToken') ?? '';
    if (token.length < 4 || token.length > 20000) return stsError(res, cors, 400, 'ValidationError', "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4");
    const seeded = state.webIdentityTokens.find((t) => t.token === token);
    const claims = decodeJwtPayload(token);
    if (!seeded || !claims) return stsError(res, cors, 400, 'InvalidIdentityToken', 'Couldn\'t retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements');
    if (seeded.idpUnreachable) return stsError(res, cors, 400, 'IDPCommunicationError', 'The identity provider could not be reached.');
    if (seeded.expired || (claims.exp !== undefined && claims.exp * 1000 <= state.now())) return stsError(res, cors, 400, 'ExpiredTokenException', 'Token expired: current date/time ' + Math.floor(state.now() / 1000) + ' must be before the expiration date/time' + (claims.exp ?? ''));
    if (!role || !role.webIdentity) return stsError(res, cors, 403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    const audiences = [].concat(claims.aud ?? []);
    if (role.webIdentity.audiences && !audiences.some((a) => role.webIdentity.audiences.includes(a))) {
      return stsError(res, cors, 403, 'IDPRejectedClaim', 'Incorrect token audience');
    }
    const duration = p.has('DurationSeconds') ? Number(p.get('DurationSeconds')) : 3600;
    const { xml } = issueCredentials(state, role, p.get('RoleSessionName'), duration, false);
    const body2 =
      `<AssumeRoleWithWebIdentityResponse xmlns="${STS_NS}">\n  <AssumeRoleWithWebIdentityResult>\n` +
      `    <SubjectFromWebIdentityToken>${xmlEscape(claims.sub ?? '')}</SubjectFromWebIdentityToken>\n` +
      `    <Audience>${xmlEscape(audiences[0] ?? '')}</Audience>\n    ${xml}` +
      `    <Provider>${xmlEscape(claims.iss ?? '')}</Provider>\n  </AssumeRoleWithWebIdentityResult>\n` +
      `  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleWithWebIdentityResponse>\n`;
    return send(res, cors, 200, 'text/xml', body2);
  }

  const auth = await verifySigV4(state, req, url, body, 'query');
  if (!auth.ok) return stsError(res, cors, auth.status, auth.code.replace(/^.*#/, ''), auth.message);
  if (auth.service !== 'sts') return stsError(res, cors, 403, 'SignatureDoesNotMatch', "Credential should be scoped to correct service: 'sts'.");
  if (state.throttle) return stsError(res, cors, 400, 'Throttling', 'Rate exceeded');
  state.calls.push({ operation: 'sts.' + action, accessKeyId: auth.key.accessKeyId, input: Object.fromEntries(p) });

  if (action === 'GetCallerIdentity') {
    // Read-only and needs no permission (an explicit deny cannot block it): who the keys are.
    const arn = auth.key.principal;
    const account = arn.split(':')[4] ?? state.accountId;
    const userId = auth.key.userId ?? (auth.key.assumedRole ? `AROA${auth.key.accessKeyId.slice(-12)}:${arn.split('/').pop()}` : `AIDA${auth.key.accessKeyId.slice(-12).toUpperCase()}`);
    const out =
      `<GetCallerIdentityResponse xmlns="${STS_NS}">\n  <GetCallerIdentityResult>\n    <Arn>${xmlEscape(arn)}</Arn>\n` +
      `    <UserId>${xmlEscape(userId)}</UserId>\n    <Account>${xmlEscape(account)}</Account>\n  </GetCallerIdentityResult>\n` +
      `  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n`;
    return send(res, cors, 200, 'text/xml', out);
  }
  if (action === 'AssumeRole') {
    const roleArn = p.get('RoleArn');
    const role = state.roles.find((r) => r.arn === roleArn);
    const chained = Boolean(auth.key.assumedRole);
    // Role chaining caps the session at one hour (providers.md §1.6).
    const err = checkRoleParams(p, chained ? Math.min(3600, role?.maxSessionDuration ?? 3600) : role?.maxSessionDuration ?? 3600);
    if (err) return stsError(res, cors, ...err);
    const trusted = role && (role.trustedPrincipals ?? []).some((t) => globMatch(t, auth.key.principal));
    if (!trusted) {
      return stsError(res, cors, 403, 'AccessDenied', `User: ${auth.key.principal} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    }
    if (role.externalId !== undefined && p.get('ExternalId') !== role.externalId) {
      return stsError(res, cors, 403, 'AccessDenied', `User: ${auth.key.principal} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    }
    if (role.mfaSerial !== undefined) {
      const code = p.get('TokenCode');
      const ok = p.get('SerialNumber') === role.mfaSerial && code !== null && (role.checkTokenCode ? role.checkTokenCode(code, state.now()) : false);
      if (!ok) return stsError(res, cors, 403, 'AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code. ');
    }
    const duration = p.has('DurationSeconds') ? Number(p.get('DurationSeconds')) : 3600;
    const { xml } = issueCredentials(state, role, p.get('RoleSessionName'), duration, chained);
    const out =
      `<AssumeRoleResponse xmlns="${STS_NS}">\n  <AssumeRoleResult>\n    ${xml}  </AssumeRoleResult>\n` +
      `  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleResponse>\n`;
    return send(res, cors, 200, 'text/xml', out);
  }
  return stsError(res, cors, 400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
}

/* ---- CORS (providers.md §1.7: Secrets Manager and STS allow CORS) ----------------- */

// The exact preflight AWS sends was not captured (unverified); this one allows
// whatever the browser asks for, which is the behaviour the reference requires
// (authorization, content-type, x-amz-date, x-amz-target, x-amz-security-token
// plus anything else sent). `Date` is deliberately not exposed.
function corsHeaders(req) {
  const origin = req.headers.origin;
  if (!origin) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-apigw-id',
    Vary: 'Origin',
  };
}

function preflight(req, res) {
  const cors = corsHeaders(req);
  const asked = req.headers['access-control-request-headers'];
  res.writeHead(200, {
    ...cors,
    'Access-Control-Allow-Methods': 'GET,POST,OPTIONS',
    ...(asked ? { 'Access-Control-Allow-Headers': asked } : {}),
    'Access-Control-Max-Age': '172800',
    'x-amzn-RequestId': randomUUID(),
    'Content-Length': 0,
  });
  res.end();
}

/* ---- the server --------------------------------------------------------------------- */

/**
 * Starts the emulator.
 * @param {object} [opts]
 * @param {string} [opts.region='us-east-1']     default region of seeded secrets
 * @param {string} [opts.accountId='123456789012']
 * @param {Array}  [opts.secrets]  [{name, region?, account?, suffix?, arn?, deleted?, kmsDenied?,
 *                                   versions?: [{id?, stages?, string? | binary?, createdDate?}], string?, binary?}]
 * @param {Array}  [opts.keys]     [{accessKeyId, secretAccessKey, sessionToken?, expired?, expiresAt?(ms),
 *                                   principal?, allow?: ['*' | name | arn glob]}]
 * @param {Array}  [opts.roles]    [{arn, trustedPrincipals?: [arn glob], allow?: [...], maxSessionDuration?,
 *                                   externalId?, mfaSerial?, checkTokenCode?(code, nowMs), webIdentity?: {audiences?}}]
 * @param {Array}  [opts.webIdentityTokens] [{token, expired?, idpUnreachable?}] (claims come from the JWT payload)
 * @param {() => number} [opts.now]   the emulator's clock (ms)
 * @param {boolean} [opts.throttle]   answer ThrottlingException
 * @param {{key: string, cert: string}} [opts.tls]
 */
export async function startAwsEmulator(opts = {}) {
  const o = { region: 'us-east-1', accountId: DEFAULT_ACCOUNT, ...opts };
  const state = {
    accountId: o.accountId,
    region: o.region,
    secrets: (o.secrets ?? []).map((s) => normaliseSecret(s, o)),
    keys: (o.keys ?? []).map((k) => normaliseKey(k, o)),
    roles: o.roles ?? [],
    webIdentityTokens: o.webIdentityTokens ?? [],
    now: o.now ?? (() => Date.now()),
    throttle: Boolean(o.throttle),
    fail: o.fail ?? null,
    delayMs: o.delayMs ?? 0, // a slow Secrets Manager: each answer waits this long (the UI must stay live)
    regionDisabled: false,
    calls: [],
    addSecret: (s) => {
      const n = normaliseSecret(s, o);
      state.secrets.push(n);
      return n;
    },
  };
  const handler = async (req, res, body) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const cors = corsHeaders(req);
    if (req.method === 'OPTIONS') return preflight(req, res);
    if (req.method !== 'POST' || url.pathname !== '/') {
      return jsonError(res, cors, 404, 'UnknownOperationException', '');
    }
    if (req.headers['x-amz-target']) return handleSecretsManager(state, req, res, url, body, cors);
    if (/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) return handleSts(state, req, res, url, body, cors);
    return jsonError(res, cors, 400, 'UnknownOperationException', '');
  };
  const srv = await listen(handler, { port: o.port ?? 0, tls: o.tls });
  return { url: srv.url, port: srv.port, close: srv.close, state };
}
