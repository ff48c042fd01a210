/* The TLS client against real servers over loopback TCP (native only: this
 * file's sockets and child processes are the only I/O; the engine is the same
 * sans-I/O code the wasm build runs). tests/c/tls-certs.sh makes a throwaway
 * PKI in a temp dir; servers are `openssl s_server` and a Node https origin
 * (tests/c/tls-node-server.mjs) on ephemeral ports, killed on exit. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <bearssl_ssl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "tls/tls.h"
#include "vltest.h"

static char dir[64];
static vl_anchors *anchors;
static int setup_ok;
#define NEED_SETUP()       \
  do {                     \
    CHECK(setup_ok);       \
    if (!setup_ok) return; \
  } while (0)
static uint64_t clock_skew_ms; /* added to the clock fetch() gives the client */

/* ---------------------------------------------------------------- servers */

#define MAX_SERVERS 8
static pid_t servers[MAX_SERVERS];

static void stop_server(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
  for (int i = 0; i < MAX_SERVERS; i++)
    if (servers[i] == pid) servers[i] = 0;
}

static void stop_all_servers(void) {
  for (int i = 0; i < MAX_SERVERS; i++) stop_server(servers[i]);
}

static uint64_t now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  close(fd);
  return ntohs(sa.sin_port);
}

static int connect_port(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {
      .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) return fd;
  if (fd >= 0) close(fd);
  return -1;
}

/* Forks argv with stdout to a pipe (*out_fd, or /dev/null when NULL) and
 * stderr to dir/server.log; stdin is a pipe whose end the child sees as EOF
 * when this process exits. */
static pid_t spawn(char *const argv[], int *out_fd) {
  int out[2], in[2];
  if (pipe(out) != 0 || pipe(in) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    char log[128];
    snprintf(log, sizeof log, "%s/server.log", dir);
    int lf = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(in[0], 0);
    dup2(out_fd ? out[1] : open("/dev/null", O_WRONLY), 1);
    if (lf >= 0) dup2(lf, 2);
    close(in[1]);
    close(out[0]);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  fcntl(in[1], F_SETFD, FD_CLOEXEC);
  if (out_fd)
    *out_fd = out[0];
  else
    close(out[0]);
  for (int i = 0; i < MAX_SERVERS; i++)
    if (!servers[i]) {
      servers[i] = pid;
      break;
    }
  return pid;
}

/* Waits (up to 10 s) until something accepts on port. */
static int wait_listening(int port, pid_t pid) {
  for (int i = 0; i < 400; i++) {
    int fd = connect_port(port);
    if (fd >= 0) {
      close(fd);
      return 1;
    }
    if (waitpid(pid, NULL, WNOHANG) == pid) return 0;
    usleep(25000);
  }
  return 0;
}

static char *path(const char *name) {
  static char bufs[8][160];
  static int next;
  char *b = bufs[next++ % 8];
  snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
  return b;
}

/* openssl s_server with the leaf NAME(.pem/.key), CHAIN (NULL: none) and
 * extra options (NULL-terminated, may be NULL); returns its port, or -1. */
static int s_server(const char *name, const char *chain, const char *const *extra, pid_t *pid) {
  int port = free_port();
  char accept[32], cert[64], key[64];
  snprintf(accept, sizeof accept, "127.0.0.1:%d", port);
  snprintf(cert, sizeof cert, "%s.pem", name);
  snprintf(key, sizeof key, "%s.key", name);
  char *argv[20] = {"openssl", "s_server", "-quiet", "-www", "-accept", accept, "-cert", path(cert), "-key", path(key)};
  int n = 10;
  if (chain) {
    argv[n++] = "-cert_chain";
    argv[n++] = path(chain);
  }
  for (; extra && *extra && n < 19; extra++) argv[n++] = (char *)*extra;
  argv[n] = NULL;
  *pid = spawn(argv, NULL);
  if (*pid < 0 || !wait_listening(port, *pid)) return -1;
  return port;
}

static int node_server(const char *key, const char *chain, pid_t *pid) {
  char script[256];
  snprintf(script, sizeof script, "%s/tests/c/tls-node-server.mjs", VL_SOURCE_DIR);
  const char *node = getenv("NODE") ? getenv("NODE") : "node";
  char *argv[] = {(char *)node, script, path(key), path(chain), NULL};
  int out = -1;
  *pid = spawn(argv, &out);
  if (*pid < 0) return -1;
  char line[32] = "";
  size_t n = 0;
  struct pollfd pf = {.fd = out, .events = POLLIN};
  while (n < sizeof line - 1 && poll(&pf, 1, 10000) > 0) {
    ssize_t k = read(out, line + n, 1);
    if (k <= 0 || line[n] == '\n') break;
    n++;
  }
  line[n] = 0;
  close(out);
  return n ? atoi(line) : -1;
}

/* ---------------------------------------------------------------- the pump */

typedef struct {
  vl_tls_state state;
  int code, resumed, was_ready;
  uint16_t suite;
  char alpn[16];
  char error[256];
  char resp[8192];
  size_t resp_len;
  vl_tls_session *session; /* exported after the handshake, when there is one */
} result;

/* Sends what is pending and takes what plaintext there is; 1 if anything moved. */
static int service(vl_tls *c, int fd, result *r, int *eof) {
  int moved = 0;
  const uint8_t *p;
  size_t n;
  while ((n = vl_tls_pending_ciphertext(c, &p)) > 0) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k <= 0) {
      *eof = 1;
      vl_tls_transport_closed(c);
      return 1;
    }
    CHECK_EQ_INT(vl_tls_ciphertext_sent(c, (size_t)k), VL_OK);
    moved = 1;
  }
  while ((n = vl_tls_read_plaintext(c, &p)) > 0) {
    size_t room = sizeof r->resp - 1 - r->resp_len, take = n < room ? n : room;
    memcpy(r->resp + r->resp_len, p, take);
    r->resp_len += take;
    r->resp[r->resp_len] = 0;
    CHECK_EQ_INT(vl_tls_plaintext_done(c, n), VL_OK);
    moved = 1;
  }
  if (!r->was_ready && vl_tls_state_get(c) == VL_TLS_READY) {
    r->was_ready = 1;
    static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    CHECK_EQ_INT(vl_tls_write_plaintext(c, (const uint8_t *)req, sizeof req - 1), sizeof req - 1);
    vl_tls_flush(c);
    moved = 1;
  }
  return moved;
}

/* One HTTPS GET / to 127.0.0.1:port as server name host. */
static void fetch(int port, const char *host, const vl_tls_session *offer, result *r) {
  memset(r, 0, sizeof *r);
  r->state = VL_TLS_FAILED;
  int fd = connect_port(port);
  CHECK(fd >= 0);
  if (fd < 0) return;
  vl_tls *c = NULL;
  CHECK_EQ_INT(vl_tls_new(anchors, host, offer, now_ms() + clock_skew_ms, &c), VL_OK);
  if (!c) {
    close(fd);
    return;
  }
  uint64_t deadline = now_ms() + 10000;
  int eof = 0;
  while (vl_tls_state_get(c) < VL_TLS_CLOSED && now_ms() < deadline) {
    if (service(c, fd, r, &eof)) continue;
    if (eof) break;
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    if (poll(&pf, 1, 200) <= 0) continue;
    uint8_t buf[4096];
    ssize_t k = recv(fd, buf, sizeof buf, 0);
    if (k <= 0) {
      eof = 1;
      vl_tls_transport_closed(c);
      continue;
    }
    for (size_t off = 0; off < (size_t)k && vl_tls_state_get(c) < VL_TLS_CLOSED;) {
      size_t m = vl_tls_feed_ciphertext(c, buf + off, (size_t)k - off);
      off += m;
      if (!m && !service(c, fd, r, &eof)) break; /* stuck: the state check below reports it */
    }
  }
  service(c, fd, r, &eof);
  r->state = vl_tls_state_get(c);
  r->code = vl_tls_error_code(c);
  r->resumed = vl_tls_resumed(c);
  r->suite = vl_tls_cipher_suite(c);
  snprintf(r->alpn, sizeof r->alpn, "%s", vl_tls_alpn(c) ? vl_tls_alpn(c) : "");
  snprintf(r->error, sizeof r->error, "%s", vl_tls_error(c));
  if (vl_tls_session_export(c, &r->session) != VL_OK) r->session = NULL;
  if (getenv("VL_TLS_VERBOSE"))
    fprintf(stderr, "  [%s:%d] state %d code %d suite %04x resumed %d alpn \"%s\" error \"%s\" reply %.40s\n", host,
            port, r->state, r->code, r->suite, r->resumed, r->alpn, r->error, r->resp);
  vl_tls_free(c);
  close(fd);
}

/* An HTTP reply arrived over a verified connection that ended cleanly, or by
 * EOF after the reply (s_server -www and Node may skip close_notify). */
static int accepted(const result *r, const char *marker) {
  int ended_ok = r->state == VL_TLS_CLOSED || (r->state == VL_TLS_FAILED && r->code == VL_TLS_ERR_TRUNCATED);
  int ok = r->was_ready && ended_ok && strncmp(r->resp, "HTTP/1.", 7) == 0 && strstr(r->resp, " 200 ") &&
           strstr(r->resp, marker);
  if (!ok)
    fprintf(stderr, "  state %d, code %d, error \"%s\", %zu bytes: %.80s\n", r->state, r->code, r->error, r->resp_len,
            r->resp);
  return ok;
}

static void refused(const result *r, int code, const char *needle) {
  if (r->state != VL_TLS_FAILED || !strstr(r->error, needle) || (code && r->code != code))
    fprintf(stderr, "  state %d, code %d, error \"%s\" (wanted %d, \"%s\")\n", r->state, r->code, r->error, code,
            needle);
  CHECK_EQ_INT(r->state, VL_TLS_FAILED);
  CHECK(!r->was_ready);
  CHECK(strstr(r->error, needle) != NULL);
  if (code) CHECK_EQ_INT(r->code, code);
  CHECK_EQ_INT(r->resp_len, 0);
}

static void s_server_case(const char *leaf, const char *chain, const char *const *extra, const char *host, result *r) {
  pid_t pid;
  int port = s_server(leaf, chain, extra, &pid);
  CHECK(port > 0);
  if (port > 0)
    fetch(port, host, NULL, r);
  else
    memset(r, 0, sizeof *r);
  stop_server(pid);
  vl_tls_session_free(r->session);
  r->session = NULL;
}

/* ---------------------------------------------------------------- cases */

static const char *const NO_TLS13[] = {"-no_tls1_3", NULL};
static const char *const TLS13_ONLY[] = {"-tls1_3", NULL};
static const char *const CHACHA[] = {"-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305", "-no_tls1_3", NULL};

static void test_setup(void) {
  atexit(stop_all_servers);
  snprintf(dir, sizeof dir, "/tmp/vl-tls-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "sh '%s/tests/c/tls-certs.sh' '%s' > '%s/certs.log' 2>&1", VL_SOURCE_DIR, dir, dir);
  CHECK_EQ_INT(system(cmd), 0);
  size_t len;
  char *pem = vlt_read_file(path("anchors.pem"), &len);
  CHECK(pem != NULL);
  CHECK_EQ_INT(vl_anchors_new(&anchors), VL_OK);
  char err[160];
  if (pem) CHECK_EQ_INT(vl_anchors_add(anchors, (const uint8_t *)pem, len, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_count(anchors), 2);
  free(pem);
  setup_ok = vl_anchors_count(anchors) == 2;
}

static void test_ecdsa_chain_s_server(void) {
  NEED_SETUP();
  result r;
  s_server_case("ec_leaf", "ec_inter.pem", NO_TLS13, "localhost", &r);
  CHECK(accepted(&r, "ECDHE-ECDSA"));
  CHECK(r.suite == BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ||
        r.suite == BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ||
        r.suite == BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256);
}

static void test_rsa_chain_s_server(void) {
  NEED_SETUP();
  result r;
  s_server_case("rsa_leaf", "rsa_inter.pem", NULL, "localhost", &r); /* TLS 1.3 offered too: 1.2 is chosen */
  CHECK(accepted(&r, "ECDHE-RSA"));
  CHECK(r.suite == BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 || r.suite == BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 ||
        r.suite == BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256);
}

static void test_chacha20_s_server(void) {
  NEED_SETUP();
  result r;
  s_server_case("ec_leaf", "ec_inter.pem", CHACHA, "localhost", &r);
  CHECK(accepted(&r, "CHACHA20"));
  CHECK_EQ_INT(r.suite, BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256);
}

static void node_case(const char *key, const char *chain, uint16_t s1, uint16_t s2, uint16_t s3) {
  pid_t pid;
  int port = node_server(key, chain, &pid);
  CHECK(port > 0);
  if (port <= 0) {
    stop_server(pid);
    return;
  }
  result r;
  fetch(port, "localhost", NULL, &r);
  stop_server(pid);
  CHECK(accepted(&r, "node-ok"));
  CHECK(r.suite == s1 || r.suite == s2 || r.suite == s3);
  CHECK_EQ_STR(r.alpn, "http/1.1");
  vl_tls_session_free(r.session);
}

static void test_ecdsa_chain_node(void) {
  NEED_SETUP();
  node_case("ec_leaf.key", "ec_chain.pem", BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256);
}

static void test_rsa_chain_node(void) {
  NEED_SETUP();
  node_case("rsa_leaf.key", "rsa_chain.pem", BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256);
}

static void test_refuses_expired_leaf(void) {
  NEED_SETUP();
  result r;
  s_server_case("expired", "ec_inter.pem", NULL, "localhost", &r);
  refused(&r, BR_ERR_X509_EXPIRED, "certificate expired: the server's certificate");
}

static void test_refuses_not_yet_valid_leaf(void) {
  NEED_SETUP();
  result r;
  s_server_case("notyet", "ec_inter.pem", NULL, "localhost", &r);
  refused(&r, VL_TLS_ERR_NOT_YET_VALID, "certificate not yet valid");
}

static void test_refuses_wrong_host(void) {
  NEED_SETUP();
  result r;
  s_server_case("wronghost", "ec_inter.pem", NULL, "localhost", &r);
  refused(&r, BR_ERR_X509_BAD_SERVER_NAME, "not valid for this host name (localhost)");
  /* and the good certificate under another name */
  s_server_case("ec_leaf", "ec_inter.pem", NULL, "other.example", &r);
  refused(&r, BR_ERR_X509_BAD_SERVER_NAME, "not valid for this host name (other.example)");
}

static void test_refuses_unknown_ca(void) {
  NEED_SETUP();
  result r;
  s_server_case("stranger_leaf", "stranger_root.pem", NULL, "localhost", &r);
  refused(&r, BR_ERR_X509_NOT_TRUSTED, "unknown issuer (not trusted)");
}

static void test_refuses_self_signed_leaf(void) {
  NEED_SETUP();
  result r;
  s_server_case("self", NULL, NULL, "localhost", &r);
  refused(&r, VL_TLS_ERR_SELF_SIGNED, "self-signed certificate");
}

static void test_refuses_missing_intermediate(void) {
  NEED_SETUP();
  result r;
  s_server_case("ec_leaf", NULL, NULL, "localhost", &r);
  refused(&r, BR_ERR_X509_NOT_TRUSTED, "missing intermediate");
}

static void test_refuses_tls13_only_server(void) {
  NEED_SETUP();
  result r;
  s_server_case("ec_leaf", "ec_inter.pem", TLS13_ONLY, "localhost", &r);
  refused(&r, BR_ERR_RECV_FATAL_ALERT + 70, "server requires TLS 1.3");
}

static void test_refuses_cbc_only_server(void) {
  NEED_SETUP();
  result r;
  static const char *const cbc[] = {"-cipher", "ECDHE-RSA-AES128-SHA", "-no_tls1_3", NULL};
  s_server_case("rsa_leaf", "rsa_inter.pem", cbc, "localhost", &r);
  refused(&r, 0, "no common cipher suite");
}

static void test_session_resumption_s_server(void) {
  NEED_SETUP();
  pid_t pid;
  int port = s_server("ec_leaf", "ec_inter.pem", NO_TLS13, &pid);
  CHECK(port > 0);
  if (port <= 0) {
    stop_server(pid);
    return;
  }
  result first, second, stranger;
  fetch(port, "localhost", NULL, &first);
  CHECK(accepted(&first, "ECDHE-ECDSA"));
  CHECK(!first.resumed);
  CHECK(first.session != NULL);
  if (first.session) {
    fetch(port, "localhost", first.session, &second);
    CHECK(accepted(&second, "ECDHE-ECDSA"));
    CHECK(second.resumed);
    CHECK_EQ_INT(second.suite, first.suite);
    vl_tls_session_free(second.session);
    /* a session belongs to its server name */
    vl_tls *c = NULL;
    CHECK_EQ_INT(vl_tls_new(anchors, "other.example", first.session, now_ms(), &c), VL_ERR_ARG);
    CHECK(c == NULL);
    /* a session more than a day old is not offered: a full handshake */
    clock_skew_ms = 25ull * 3600 * 1000;
    fetch(port, "localhost", first.session, &second);
    clock_skew_ms = 0;
    CHECK(accepted(&second, "ECDHE-ECDSA"));
    CHECK(!second.resumed);
    vl_tls_session_free(second.session);
  }
  fetch(port, "localhost", NULL, &stranger);
  CHECK(accepted(&stranger, "ECDHE-ECDSA"));
  CHECK(!stranger.resumed);
  vl_tls_session_free(stranger.session);
  vl_tls_session_free(first.session);
  stop_server(pid);
}

/* A server of our own that reads the ClientHello, answers with the first
 * bytes of a record and hangs up: an error, never success. */
static void test_mid_handshake_close(void) {
  for (int partial = 0; partial < 2; partial++) {
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(lfd, 1) == 0);
    CHECK(getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0);
    int fd = connect_port(ntohs(sa.sin_port)); /* completes against the backlog */
    int sfd = accept(lfd, NULL, NULL);
    CHECK(fd >= 0 && sfd >= 0);
    vl_tls *c = NULL;
    CHECK_EQ_INT(vl_tls_new(anchors, "localhost", NULL, now_ms(), &c), VL_OK);
    const uint8_t *p;
    size_t n = vl_tls_pending_ciphertext(c, &p);
    CHECK(n > 5 && p[0] == 0x16); /* a handshake record: the ClientHello */
    CHECK_EQ_INT(send(fd, p, n, 0), n);
    CHECK_EQ_INT(vl_tls_ciphertext_sent(c, n), VL_OK);
    CHECK_EQ_INT(vl_tls_ciphertext_sent(c, 1), VL_ERR_STATE); /* nothing pending now */
    uint8_t hello[4096];
    CHECK(recv(sfd, hello, sizeof hello, 0) > 0);
    static const uint8_t start[] = {0x16, 0x03, 0x03, 0x00, 0x40, 0x02, 0x00};
    if (partial) CHECK_EQ_INT(send(sfd, start, sizeof start, 0), sizeof start);
    close(sfd);
    uint8_t buf[64];
    ssize_t k;
    while ((k = recv(fd, buf, sizeof buf, 0)) > 0) CHECK_EQ_INT(vl_tls_feed_ciphertext(c, buf, (size_t)k), k);
    CHECK_EQ_INT(vl_tls_state_get(c), VL_TLS_HANDSHAKING);
    vl_tls_transport_closed(c);
    CHECK_EQ_INT(vl_tls_state_get(c), VL_TLS_FAILED);
    CHECK_EQ_INT(vl_tls_error_code(c), VL_TLS_ERR_CLOSED_IN_HANDSHAKE);
    CHECK(strstr(vl_tls_error(c), "closed during the TLS handshake") != NULL);
    vl_tls_session *s = (vl_tls_session *)&s;
    CHECK_EQ_INT(vl_tls_session_export(c, &s), VL_ERR_STATE);
    CHECK(s == NULL);
    CHECK_EQ_INT(vl_tls_write_plaintext(c, (const uint8_t *)"x", 1), 0);
    vl_tls_free(c);
    close(fd);
    close(lfd);
  }
}

static void test_arguments(void) {
  vl_tls *c = (vl_tls *)&c;
  CHECK_EQ_INT(vl_tls_new(NULL, "localhost", NULL, 0, &c), VL_ERR_ARG);
  CHECK(c == NULL);
  CHECK_EQ_INT(vl_tls_new(anchors, "", NULL, 0, &c), VL_ERR_ARG);
  CHECK_EQ_INT(vl_tls_new(anchors, NULL, NULL, 0, &c), VL_ERR_ARG);
  char longname[300];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  CHECK_EQ_INT(vl_tls_new(anchors, longname, NULL, 0, &c), VL_ERR_LIMIT);
  vl_anchors *empty = NULL;
  CHECK_EQ_INT(vl_anchors_new(&empty), VL_OK);
  CHECK_EQ_INT(vl_tls_new(empty, "localhost", NULL, 0, &c), VL_ERR_ARG);
  vl_anchors_free(empty);
  CHECK_EQ_INT(vl_tls_state_get(NULL), VL_TLS_FAILED);
  CHECK_EQ_INT(vl_tls_feed_ciphertext(NULL, (const uint8_t *)"x", 1), 0);
  CHECK_EQ_INT(vl_tls_pending_ciphertext(NULL, NULL), 0);
  CHECK_EQ_INT(vl_tls_ciphertext_sent(NULL, 0), VL_ERR_ARG);
  vl_tls_free(NULL);
  vl_tls_session_free(NULL);
  /* A fresh connection: handshaking, ClientHello pending, no plaintext path yet. */
  CHECK_EQ_INT(vl_tls_new(anchors, "localhost", NULL, now_ms(), &c), VL_OK);
  CHECK_EQ_INT(vl_tls_state_get(c), VL_TLS_HANDSHAKING);
  const uint8_t *p;
  size_t n = vl_tls_pending_ciphertext(c, &p);
  CHECK(n > 0);
  CHECK_EQ_INT(vl_tls_ciphertext_sent(c, n + 1), VL_ERR_ARG);
  CHECK_EQ_INT(vl_tls_write_plaintext(c, (const uint8_t *)"x", 1), 0);
  CHECK_EQ_INT(vl_tls_read_plaintext(c, &p), 0);
  CHECK(p == NULL);
  CHECK_EQ_INT(vl_tls_plaintext_done(c, 1), VL_ERR_STATE);
  CHECK_EQ_STR(vl_tls_error(c), "");
  CHECK(vl_tls_alpn(c) == NULL);
  /* Garbage from the "server" fails the handshake with a named error. */
  static const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
  CHECK_EQ_INT(vl_tls_ciphertext_sent(c, n), VL_OK);
  vl_tls_feed_ciphertext(c, http, sizeof http - 1);
  CHECK_EQ_INT(vl_tls_state_get(c), VL_TLS_FAILED);
  CHECK(vl_tls_error(c)[0] != 0);
  fprintf(stderr, "  (plain HTTP answer: %s)\n", vl_tls_error(c));
  vl_tls_free(c);
}

static void test_teardown(void) {
  stop_all_servers();
  vl_anchors_free(anchors);
  anchors = NULL;
  char cmd[128];
  if (dir[0]) {
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
  }
}

VLT_MAIN(TEST(test_setup), TEST(test_arguments), TEST(test_ecdsa_chain_s_server), TEST(test_rsa_chain_s_server),
         TEST(test_chacha20_s_server), TEST(test_ecdsa_chain_node), TEST(test_rsa_chain_node),
         TEST(test_refuses_expired_leaf), TEST(test_refuses_not_yet_valid_leaf), TEST(test_refuses_wrong_host),
         TEST(test_refuses_unknown_ca), TEST(test_refuses_self_signed_leaf), TEST(test_refuses_missing_intermediate),
         TEST(test_refuses_tls13_only_server), TEST(test_refuses_cbc_only_server),
         TEST(test_session_resumption_s_server), TEST(test_mid_handshake_close), TEST(test_teardown))
