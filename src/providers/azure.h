/*
 * Azure Key Vault parsers shared by the provider, its tests and its fuzz
 * target: secret identifiers (the SDK's parseKeyVaultIdentifier) and the
 * 401 challenge (keyvault-common parseWWWAuthenticateHeader).
 * providers.md §2.2 and §2.5.
 */
#ifndef VL_PROVIDERS_AZURE_H
#define VL_PROVIDERS_AZURE_H
#include <stddef.h>

#include "vaultlink.h"

/* The Key Vault API version every request uses (the SDK's default). */
#define VL_AZURE_API_VERSION "7.6"

typedef struct {
  char vault_url[280];   /* "https://host[:port]" as written, host lowercased */
  char host[256];        /* lowercased host without the port: the resource check's subject */
  char collection[16];   /* "secrets" or "deletedsecrets" */
  char name[128];        /* 1-127 characters [0-9a-zA-Z-] */
  char version[64];      /* "" = the latest */
  int has_version;       /* a 4th path segment was present (possibly empty) */
  const char *suffix;    /* the known Key Vault DNS suffix the host ends with, or NULL */
  const char *authority; /* the Entra authority host of that cloud, or NULL */
} vl_azure_id;

/*
 * Parses a secret identifier "https://{vault}.{suffix}/{collection}/{name}[/{version}]".
 * As the SDK: the path must have 3 or 4 '/'-separated segments and segment 1
 * must be "secrets" or "deletedsecrets"; vaultUrl = protocol//host. In
 * addition the name and version characters are checked and, on a known
 * Key Vault DNS suffix, the vault-name rules (3-24 characters [0-9a-zA-Z-],
 * starting with a letter, no "--"). Managed HSM hosts are refused (they hold
 * keys only). Returns VL_OK, or VL_ERR_REFERENCE with a message in err
 * naming the byte position.
 */
vl_status vl_azure_parse_id(const char *identifier, vl_azure_id *out, char *err, size_t errlen);

typedef struct {
  char authorization[512]; /* "authorization" or, failing that, "authorization_uri" */
  char resource[512];
  char scope[512];
  char tenant_id[128]; /* "tenantId", or the path of "authorization" without its leading '/' */
  char claims[2048];   /* CAE: base64 JSON claims */
  char error[64];      /* CAE: "insufficient_claims" */
} vl_azure_challenge;

/*
 * Parses a WWW-Authenticate value the way the SDK does: split on /,? +/,
 * keep key="value" pairs whose key is authorization, authorization_url,
 * resource, scope, tenantId, claims or error (authorization_uri as well, for
 * the CAE challenge's authority), strip the quotes, then take the tenant from
 * the authorization URL's path. Returns VL_OK, VL_ERR_FORMAT when the
 * authorization URL is not a URL, VL_ERR_LIMIT when a kept value is too long.
 */
vl_status vl_azure_parse_challenge(const char *header, size_t len, vl_azure_challenge *out);

/* The scope to request a token for: resource + "/.default", else scope.
 * Returns 0 when the challenge names neither. */
int vl_azure_challenge_scope(const vl_azure_challenge *c, char *out, size_t outlen);

/* 1 when request_host ends with "." + the host of the scope URL (a prefix
 * match or an equal host is not enough); 0 otherwise or if scope is not a URL. */
int vl_azure_resource_matches(const char *scope, const char *request_host);
#endif
