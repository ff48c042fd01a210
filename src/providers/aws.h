/* AWS provider internals shared with its tests. */
#ifndef VL_PROVIDERS_AWS_H
#define VL_PROVIDERS_AWS_H
#include <cJSON.h>
#include <stddef.h>

#include "reqcodec.h"

/* The awsJson1_1 error code of a response, as the Smithy protocol tests say:
 * header X-Amzn-Errortype, else body "code", else body "__type"; then
 * everything from the first ':' cut and everything up to the last '#'. The
 * message ("Message" or "message") goes to msg. body may be NULL. */
void vl_aws_error_code(const vl_request *resp, const cJSON *body, char *code, size_t codelen, char *msg, size_t msglen);
#endif
