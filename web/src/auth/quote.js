// What sign-in errors may quote from a provider's answer (issue #11 §4): an
// identity provider or Vault can put anything, a token included, into its
// error fields. A field is quoted only when it matches its grammar (a known
// OAuth error code, a small integer); otherwise the message says
// UNEXPECTED. Free text (error_description, Vault's errors[]) is never quoted.

export const UNEXPECTED = '(unexpected value)';

// RFC 6749 §4.1.2.1 and §5.2, OpenID Connect Core §3.1.2.6, and Entra's invalid_resource.
export const OAUTH_ERRORS = Object.freeze([
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
  'interaction_required',
  'login_required',
  'account_selection_required',
  'consent_required',
  'invalid_request_uri',
  'invalid_request_object',
  'request_not_supported',
  'request_uri_not_supported',
  'registration_not_supported',
  'invalid_resource',
]);

/** value when it is one of names, else UNEXPECTED. */
export function quoteEnum(value, names) {
  return typeof value === 'string' && names.includes(value) ? value : UNEXPECTED;
}

/** An Entra AADSTS error number (a non-negative integer of at most 9 digits), or null. */
export function aadstsCode(value) {
  return Number.isSafeInteger(value) && value >= 0 && value < 1e9 ? `AADSTS${value}` : null;
}
