#include "vaultlink.h"

const char *vl_strerror(vl_status status) {
  switch (status) {
    case VL_OK: return "ok";
    case VL_ERR_NOMEM: return "out of memory";
    case VL_ERR_ARG: return "invalid argument";
    case VL_ERR_LIMIT: return "input exceeds a limit";
    case VL_ERR_FORMAT: return "malformed input";
    case VL_ERR_REFERENCE: return "invalid external reference";
    case VL_ERR_STATE: return "call out of order";
    case VL_ERR_NOT_FOUND: return "not found";
    case VL_ERR_CRYPTO: return "cryptographic failure";
    case VL_ERR_AUTH: return "authentication failed";
    case VL_ERR_EXPIRED: return "expired";
    case VL_ERR_UNSUPPORTED: return "not supported";
    case VL_ERR_DONE: return "no more items";
    case VL_ERR_WRONG_RECIPIENT: return "sealed to a different recipient key";
    case VL_ERR_REF_MISMATCH: return "bound to a different reference";
  }
  return "unknown status";
}

const char *vl_status_code(vl_status status) {
  switch (status) {
    case VL_OK: return "ok";
    case VL_ERR_NOMEM: return "nomem";
    case VL_ERR_ARG: return "bad_argument";
    case VL_ERR_LIMIT: return "limit";
    case VL_ERR_FORMAT: return "format";
    case VL_ERR_REFERENCE: return "bad_reference";
    case VL_ERR_STATE: return "state";
    case VL_ERR_NOT_FOUND: return "not_found";
    case VL_ERR_CRYPTO: return "crypto";
    case VL_ERR_AUTH: return "auth";
    case VL_ERR_EXPIRED: return "expired";
    case VL_ERR_UNSUPPORTED: return "unsupported";
    case VL_ERR_DONE: return "done";
    case VL_ERR_WRONG_RECIPIENT: return "wrong_recipient";
    case VL_ERR_REF_MISMATCH: return "reference_mismatch";
  }
  return "error";
}

static const struct {
  const char *code;
  const char *message;
} reasons[VL_REASON_COUNT] = {
    [VL_REASON_NONE] = {"none", "resolved"},
    [VL_REASON_UNKNOWN] = {"unknown", "no vault secret with this name"},
    [VL_REASON_DISABLED] = {"disabled", "the vault secret is disabled"},
    [VL_REASON_DOMAIN_NOT_ALLOWED] = {"domain_not_allowed", "the request URL is not in the secret's allowed domains"},
    [VL_REASON_NOT_CONNECTED] = {"not_connected", "the secret's provider is not connected"},
    [VL_REASON_REAUTH_REQUIRED] = {"reauth_required", "the provider's credentials expired: re-authenticate"},
    [VL_REASON_PERMISSION_DENIED] = {"permission_denied", "the provider denied access to the external secret"},
    [VL_REASON_NOT_FOUND] = {"not_found", "the external secret does not exist"},
    [VL_REASON_DISABLED_AT_PROVIDER] = {"disabled_at_provider", "the external secret is disabled or deleted"},
    [VL_REASON_THROTTLED] = {"throttled", "the provider is rate-limiting requests"},
    [VL_REASON_UNREACHABLE] = {"unreachable", "the provider could not be reached"},
    [VL_REASON_MALFORMED_RESPONSE] = {"malformed_response", "the provider's response could not be understood"},
    [VL_REASON_MISCONFIGURED] = {"misconfigured", "the secret's link cannot be used"},
    [VL_REASON_BINARY_VALUE] = {"binary_value", "the secret is not UTF-8 text; it can only go into a byte body"},
    [VL_REASON_CREDENTIALS_REJECTED] = {"credentials_rejected", "the provider rejected the credentials"},
    [VL_REASON_KEY_NOT_FOUND] = {"key_not_found", "key not found in the secret"},
};

const char *vl_reason_code(vl_reason reason) {
  return (unsigned)reason < VL_REASON_COUNT ? reasons[reason].code : "unknown_reason";
}

const char *vl_reason_message(vl_reason reason) {
  return (unsigned)reason < VL_REASON_COUNT ? reasons[reason].message : "unknown reason";
}
