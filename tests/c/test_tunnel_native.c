/* The tunnel engine (vl_vault_tunnel_*) driven over plain TCP sockets against
 * real servers — Node's https (a GCP-like origin) and `openssl s_server`
 * (native only; the socket loop below is the only native part, the engine
 * is the one the wasm build runs). Throwaway PKI from tests/c/tls-certs.sh. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reqhelp.h"
#include "vltest.h"

static char dir[64];
static pid_t servers[4];
static int nservers;

static uint64_t now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static int connect_port(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  bind(fd, (struct sockaddr *)&sa, sizeof sa);
  getsockname(fd, (struct sockaddr *)&sa, &len);
  close(fd);
  return ntohs(sa.sin_port);
}

/* Starts argv with a pipe on stdin (closed at exit) and, when out is set, its stdout. */
static pid_t spawn(char *const argv[], int *out) {
  int o[2], i[2];
  if (pipe(o) || pipe(i)) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(i[0], 0);
    dup2(out ? o[1] : open("/dev/null", O_WRONLY), 1);
    dup2(open("/dev/null", O_WRONLY), 2);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(i[0]);
  close(o[1]);
  if (out)
    *out = o[0];
  else
    close(o[0]);
  servers[nservers++] = pid;
  return pid;
}

static void stop_servers(void) {
  for (int i = 0; i < nservers; i++) {
    kill(servers[i], SIGTERM);
    waitpid(servers[i], NULL, 0);
  }
  nservers = 0;
}

static char *in_dir(const char *name) {
  static char b[4][160];
  static int k;
  char *p = b[k++ % 4];
  snprintf(p, sizeof b[0], "%s/%s", dir, name);
  return p;
}

static int node_server(void) {
  char script[256];
  snprintf(script, sizeof script, "%s/tests/c/tunnel-node-server.mjs", VL_SOURCE_DIR);
  char *argv[] = {"node", script, in_dir("ec_leaf.key"), in_dir("ec_chain.pem"), NULL};
  int out = -1;
  if (spawn(argv, &out) < 0) return -1;
  char line[32] = "";
  size_t n = 0;
  struct pollfd pf = {.fd = out, .events = POLLIN};
  while (n < sizeof line - 1 && poll(&pf, 1, 15000) > 0 && read(out, line + n, 1) == 1 && line[n] != '\n') n++;
  line[n] = 0;
  close(out);
  return n ? atoi(line) : -1;
}

static int s_server(void) {
  int port = free_port();
  char accept[32];
  snprintf(accept, sizeof accept, "127.0.0.1:%d", port);
  char *argv[] = {"openssl",     "s_server",
                  "-quiet",      "-www",
                  "-accept",     accept,
                  "-cert",       in_dir("rsa_leaf.pem"),
                  "-key",        in_dir("rsa_leaf.key"),
                  "-cert_chain", in_dir("rsa_inter.pem"),
                  NULL};
  pid_t pid = spawn(argv, NULL);
  for (int i = 0; i < 400; i++) {
    int fd = connect_port(port);
    if (fd >= 0) {
      close(fd);
      return port;
    }
    if (waitpid(pid, NULL, WNOHANG) == pid) return -1;
    usleep(25000);
  }
  return -1;
}

static vl_vault *vault_for(int port) {
  vl_vault *v = vl_vault_new(NULL);
  char creds[160];
  snprintf(creds, sizeof creds, "{\"accessToken\":\"ya29.native\",\"endpoint\":\"https://localhost:%d\"}", port);
  CHECK_EQ_INT(vl_vault_connect(v, "gcp", (const uint8_t *)creds, strlen(creds), now_ms()), VL_OK);
  CHECK_EQ_INT(tlink(v, "s", "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"projects/p/secrets/s\"}}}", NULL),
               VL_OK);
  FILE *f = fopen(in_dir("anchors.pem"), "rb");
  static uint8_t pem[16384];
  size_t n = f ? fread(pem, 1, sizeof pem, f) : 0;
  if (f) fclose(f);
  CHECK_EQ_INT(vl_vault_tunnel_anchors(v, pem, n), VL_OK);
  return v;
}

/* One resolve whose job goes through the tunnel on *fd (opened when the
 * engine says the connection is fresh). Returns the rendered URL; *fresh
 * says whether a new connection was made. */
static char *tunnel_resolve(vl_vault *v, int port, int *fd, int *fresh, char **report) {
  treq t = {.url = "https://api.example/{{vault:s}}"};
  size_t len;
  uint8_t *frame = treq_encode(&t, &len);
  uint32_t h = 0;
  CHECK_EQ_INT(vl_vault_resolve_open(v, frame, len, 0, now_ms(), &h), VL_OK);
  vl_resolve *r = vl_vault_resolve_get(v, h);
  vl_job job;
  while (vl_resolve_next_job(r, &job) == VL_OK) {
    uint32_t conn = 0;
    CHECK_EQ_INT(vl_vault_tunnel_begin(v, h, job.id, now_ms(), &conn, fresh), VL_OK);
    if (*fresh) {
      if (*fd >= 0) close(*fd);
      *fd = connect_port(port);
    }
    int state = VL_TUNNEL_WAIT;
    while (state == VL_TUNNEL_WAIT) {
      const uint8_t *out;
      size_t n;
      while ((n = vl_vault_tunnel_output(v, conn, &out)) > 0) {
        ssize_t k = send(*fd, out, n, MSG_NOSIGNAL);
        if (k <= 0) break;
        vl_vault_tunnel_sent(v, conn, (size_t)k, now_ms());
      }
      struct pollfd pf = {.fd = *fd, .events = POLLIN};
      if (poll(&pf, 1, 10000) <= 0) {
        vl_vault_tunnel_abort(v, conn, "timed out", now_ms());
        break;
      }
      uint8_t buf[16384];
      ssize_t k = recv(*fd, buf, sizeof buf, 0);
      if (k <= 0)
        vl_vault_tunnel_closed(v, conn, "socket closed", now_ms(), &state);
      else
        vl_vault_tunnel_input(v, conn, buf, (size_t)k, now_ms(), &state);
    }
    if (state == VL_TUNNEL_CLOSE) {
      close(*fd);
      *fd = -1;
    }
  }
  uint8_t *o = NULL, *rep = NULL;
  size_t olen = 0, rlen = 0;
  CHECK_EQ_INT(vl_resolve_render(r, now_ms(), &o, &olen, &rep, &rlen), VL_OK);
  vl_request q;
  char err[64];
  CHECK_EQ_INT(vl_request_decode(o, olen, &q, err, sizeof err), VL_OK);
  char *url = vl_memdup(q.url.p, q.url.n + 1);
  url[q.url.n] = 0;
  vl_request_clear(&q);
  vl_free(o);
  vl_vault_resolve_close(v, h);
  *report = (char *)rep;
  return url;
}

static void test_node_https_value_and_reuse(void) {
  int port = node_server();
  CHECK(port > 0);
  if (port <= 0) return;
  vl_vault *v = vault_for(port);
  int fd = -1, fresh = 0;
  char *rep;
  char *url = tunnel_resolve(v, port, &fd, &fresh, &rep);
  CHECK_EQ_STR(url, "https://api.example/native-tunnel-value");
  CHECK(fresh);
  vl_free(url);
  vl_free(rep);
  vl_vault_reset_cache(v);
  url = tunnel_resolve(v, port, &fd, &fresh, &rep);
  CHECK_EQ_STR(url, "https://api.example/native-tunnel-value");
  CHECK(!fresh); /* the kept-alive connection carried the second job */
  vl_free(url);
  vl_free(rep);
  if (fd >= 0) close(fd);
  vl_vault_free(v);
}

/* s_server -www answers an HTML status page: a complete HTTP/1.0 answer the
 * engine reads to the end (close-delimited, clean close_notify) and hands to
 * the provider, which refuses it as not JSON. */
static void test_openssl_s_server_answer_is_read_whole(void) {
  int port = s_server();
  CHECK(port > 0);
  if (port <= 0) return;
  vl_vault *v = vault_for(port);
  int fd = -1, fresh = 0;
  char *rep;
  char *url = tunnel_resolve(v, port, &fd, &fresh, &rep);
  CHECK_EQ_STR(url, "https://api.example/{{vault:s}}");
  CHECK(strstr(rep, "\"reason\":\"unreachable\"") == NULL);
  CHECK(strstr(rep, "ya29.native") == NULL);
  vl_free(url);
  vl_free(rep);
  if (fd >= 0) close(fd);
  vl_vault_free(v);
}

static void test_unknown_ca_is_named(void) {
  int port = node_server();
  CHECK(port > 0);
  if (port <= 0) return;
  vl_vault *v = vl_vault_new(NULL);
  char creds[160];
  snprintf(creds, sizeof creds, "{\"accessToken\":\"ya29.native\",\"endpoint\":\"https://localhost:%d\"}", port);
  CHECK_EQ_INT(vl_vault_connect(v, "gcp", (const uint8_t *)creds, strlen(creds), now_ms()), VL_OK);
  CHECK_EQ_INT(tlink(v, "s", "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"projects/p/secrets/s\"}}}", NULL),
               VL_OK);
  FILE *f = fopen(in_dir("stranger_root.pem"), "rb");
  uint8_t pem[8192];
  size_t n = f ? fread(pem, 1, sizeof pem, f) : 0;
  if (f) fclose(f);
  CHECK_EQ_INT(vl_vault_tunnel_anchors(v, pem, n), VL_OK);
  int fd = -1, fresh = 0;
  char *rep;
  char *url = tunnel_resolve(v, port, &fd, &fresh, &rep);
  CHECK_EQ_STR(url, "https://api.example/{{vault:s}}");
  CHECK(strstr(rep, "unreachable") != NULL);
  CHECK(strstr(rep, "unknown issuer") != NULL);
  vl_free(url);
  vl_free(rep);
  if (fd >= 0) close(fd);
  vl_vault_free(v);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  snprintf(dir, sizeof dir, "/tmp/vl-tunnel-XXXXXX");
  if (!mkdtemp(dir)) return 1;
  char cmd[512];
  snprintf(cmd, sizeof cmd, "sh '%s/tests/c/tls-certs.sh' '%s' > '%s/certs.log' 2>&1", VL_SOURCE_DIR, dir, dir);
  if (system(cmd) != 0) {
    fprintf(stderr, "tls-certs.sh failed (see %s/certs.log)\n", dir);
    return 1;
  }
  static const vlt_case cases[] = {
      TEST(test_node_https_value_and_reuse),
      TEST(test_openssl_s_server_answer_is_read_whole),
      TEST(test_unknown_ca_is_named),
  };
  int rc = vlt_run(cases, sizeof cases / sizeof cases[0]);
  stop_servers();
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) rc = rc ? rc : 1;
  return rc;
}
