/* The token scanner against a direct transcription of Postman's regex
 * /{{([^{}]*?)}}/g (tried at every offset, left to right, no overlap). */
#include "template.h"
#include "vltest.h"

/* Reference: the regex engine's behaviour, written the slow obvious way. */
static int ref_next(const uint8_t *s, size_t n, size_t *pos, size_t *start, size_t *end) {
  for (size_t i = *pos; i + 4 <= n; i++) {
    if (s[i] != '{' || s[i + 1] != '{') continue;
    for (size_t j = i + 2; j + 1 < n; j++) {
      if (s[j] == '}' && s[j + 1] == '}') {
        *start = i;
        *end = j + 2;
        *pos = j + 2;
        return 1;
      }
      if (s[j] == '{' || s[j] == '}') break;
    }
  }
  return 0;
}

static void check_same(const char *s, size_t n) {
  size_t p1 = 0, p2 = 0, a, b;
  vl_token t;
  for (;;) {
    int r1 = vl_template_next((const uint8_t *)s, n, &p1, &t);
    int r2 = ref_next((const uint8_t *)s, n, &p2, &a, &b);
    CHECK_EQ_INT(r1, r2);
    if (!r1 || !r2) break;
    CHECK_EQ_INT(t.start, a);
    CHECK_EQ_INT(t.end, b);
  }
}

static void expect_tokens(const char *s, const char *want[], size_t count) {
  size_t pos = 0, k = 0;
  vl_token t;
  while (vl_template_next((const uint8_t *)s, strlen(s), &pos, &t)) {
    CHECK(k < count);
    if (k < count) CHECK_EQ_MEM(s + t.start, t.end - t.start, want[k], strlen(want[k]));
    k++;
  }
  CHECK_EQ_INT(k, count);
}

static void test_basic_tokens(void) {
  const char *w1[] = {"{{vault:a}}", "{{b}}"};
  expect_tokens("x{{vault:a}}y{{b}}", w1, 2);
  const char *w2[] = {"{{vault:a}}"};
  expect_tokens("{{{vault:a}}", w2, 1);
  expect_tokens("{{vault:a}}}", w2, 1);
  const char *w3[] = {"{{env}}"};
  expect_tokens("{{{{env}}_apiKey}}", w3, 1);
  expect_tokens("{{a{b}}", (const char *[]){"{{b}}"}, 0); /* "{{a{b}}" has no "{{" before b */
  const char *w4[] = {"{{}}"};
  expect_tokens("{{}}", w4, 1);
  expect_tokens("{{vault:a}", NULL, 0);
  expect_tokens("{ {vault:a}}", NULL, 0);
  const char *w5[] = {"{{ vault:a }}"};
  expect_tokens("{{ vault:a }}", w5, 1);
  const char *w6[] = {"{{a\nb}}"};
  expect_tokens("{{a\nb}}", w6, 1);
}

static void test_vault_prefix(void) {
  const char *s = "{{vault:stripe-key}} {{Vault:x}} {{vault:}} {{ vault:x}}";
  size_t pos = 0;
  vl_token t;
  int vaults = 0;
  while (vl_template_next((const uint8_t *)s, strlen(s), &pos, &t)) {
    if (!t.is_vault) continue;
    vaults++;
    if (vaults == 1) CHECK_EQ_MEM(s + t.name_off, t.name_len, "stripe-key", 10);
    if (vaults == 2) CHECK_EQ_INT(t.name_len, 0);
  }
  CHECK_EQ_INT(vaults, 2); /* the prefix is case-sensitive and must start the token */
}

static void test_random_against_reference(void) {
  static const char alphabet[] = "{}{}{}ab:v \n\0";
  char buf[64];
  uint32_t seed = 12345;
  for (int iter = 0; iter < 200000; iter++) {
    size_t n = (size_t)(iter % 40) + 1;
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      buf[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
    }
    check_same(buf, n);
  }
}

static void test_pathological_inputs_finish(void) {
  /* 1 MB of "{{a" without a close and 1 MB of '{': linear scans, no match. */
  size_t n = 1 << 20;
  char *s = malloc(n);
  for (size_t i = 0; i < n; i++) s[i] = "{{a"[i % 3];
  size_t pos = 0;
  vl_token t;
  CHECK_EQ_INT(vl_template_next((const uint8_t *)s, n, &pos, &t), 0);
  memset(s, '{', n);
  pos = 0;
  CHECK_EQ_INT(vl_template_next((const uint8_t *)s, n, &pos, &t), 0);
  s[n - 2] = '}';
  s[n - 1] = '}';
  pos = 0;
  CHECK_EQ_INT(vl_template_next((const uint8_t *)s, n, &pos, &t), 1);
  CHECK_EQ_INT(t.start, n - 4);
  free(s);
}

VLT_MAIN(TEST(test_basic_tokens), TEST(test_vault_prefix), TEST(test_random_against_reference),
         TEST(test_pathological_inputs_finish))
