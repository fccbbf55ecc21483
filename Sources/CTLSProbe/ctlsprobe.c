#include "ctlsprobe.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/// OpenSSL is loaded when doctor first needs it, not linked: every other command starts without the dynamic
/// loader mapping libssl and libcrypto. Each function the probe calls, by name.
#define OPENSSL_FUNCTIONS(X) \
    X(const SSL_METHOD *, TLS_client_method, (void)) \
    X(SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *)) \
    X(int, SSL_CTX_load_verify_locations, (SSL_CTX *, const char *, const char *)) \
    X(int, SSL_CTX_set_default_verify_paths, (SSL_CTX *)) \
    X(void, SSL_CTX_set_verify, (SSL_CTX *, int, SSL_verify_cb)) \
    X(void, SSL_CTX_free, (SSL_CTX *)) \
    X(SSL *, SSL_new, (SSL_CTX *)) \
    X(int, SSL_set_fd, (SSL *, int)) \
    X(long, SSL_ctrl, (SSL *, int, long, void *)) \
    X(int, SSL_connect, (SSL *)) \
    X(long, SSL_get_verify_result, (const SSL *)) \
    X(X509 *, SSL_get1_peer_certificate, (const SSL *)) \
    X(int, SSL_write, (SSL *, const void *, int)) \
    X(int, SSL_read, (SSL *, void *, int)) \
    X(int, SSL_get_error, (const SSL *, int)) \
    X(int, SSL_shutdown, (SSL *)) \
    X(void, SSL_free, (SSL *)) \
    X(int, i2d_X509, (const X509 *, unsigned char **)) \
    X(void, X509_free, (X509 *)) \
    X(void, CRYPTO_free, (void *, const char *, int)) \
    X(unsigned long, ERR_get_error, (void)) \
    X(void, ERR_error_string_n, (unsigned long, char *, size_t)) \
    X(const char *, X509_verify_cert_error_string, (long))

#define DECLARE(type, name, args) static type (*p_##name) args;
OPENSSL_FUNCTIONS(DECLARE)

/// Loads libssl (and with it libcrypto) once; 0 when every function was found.
static int load_openssl(crs_probe_result *result) {
    static int loaded = 0;
    if (loaded) return 0;
    void *library = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(result->error, sizeof result->error, "cannot load OpenSSL (libssl.so.3): %s", dlerror());
        return -1;
    }
#define LOOKUP(type, name, args) \
    if (!(*(void **)&p_##name = dlsym(library, #name))) { \
        snprintf(result->error, sizeof result->error, "OpenSSL lacks %s", #name); \
        return -1; \
    }
    OPENSSL_FUNCTIONS(LOOKUP)
    loaded = 1;
    return 0;
}

static void set_error(crs_probe_result *result, const char *what, const char *why) {
    snprintf(result->error, sizeof result->error, "%s: %s", what, why);
}

static const char *ssl_reason(void) {
    unsigned long code = p_ERR_get_error();
    static __thread char text[200];
    if (code == 0) return "the connection was closed";
    p_ERR_error_string_n(code, text, sizeof text);
    return text;
}

/// Milliseconds on a clock that never jumps.
static long long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

/// Milliseconds left before the deadline (0 when it has passed).
static int left_ms(long long deadline) {
    long long left = deadline - now_ms();
    return left <= 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
}

/// A TCP connection before the deadline; the socket stays non-blocking, so every later step waits with poll for
/// what is left of the one deadline (a server that sends a byte a second cannot stretch it).
static int connect_within(const char *host, int port, long long deadline, crs_probe_result *result) {
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int status = getaddrinfo(host, service, &hints, &found);
    if (status != 0) { set_error(result, "cannot resolve the host", gai_strerror(status)); return -1; }
    int fd = -1;
    const char *why = "no address";
    for (struct addrinfo *address = found; address; address = address->ai_next) {
        fd = socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, address->ai_protocol);
        if (fd < 0) { why = strerror(errno); continue; }
        int done = connect(fd, address->ai_addr, address->ai_addrlen);
        if (done != 0 && errno == EINPROGRESS) {
            struct pollfd waiting = {.fd = fd, .events = POLLOUT};
            int ready = poll(&waiting, 1, left_ms(deadline));
            int soerror = 0;
            socklen_t length = sizeof soerror;
            if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerror, &length) == 0 && soerror == 0) done = 0;
            else why = ready == 0 ? "timed out" : strerror(soerror ? soerror : errno);
        } else if (done != 0) {
            why = strerror(errno);
        }
        if (done == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    if (fd < 0) set_error(result, "cannot connect", why);
    return fd;
}

/// After an OpenSSL call returned `code`: waits for the socket as OpenSSL asks, within the deadline. 0 when it
/// may be called again, -1 when the deadline passed, -2 when the call failed for another reason.
static int wait_for_ssl(SSL *ssl, int fd, int code, long long deadline) {
    int reason = p_SSL_get_error(ssl, code);
    short events = reason == SSL_ERROR_WANT_READ ? POLLIN : reason == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (events == 0) return -2;
    int left = left_ms(deadline);
    if (left == 0) return -1;
    struct pollfd waiting = {.fd = fd, .events = events};
    int ready = poll(&waiting, 1, left);
    if (ready == 0) return -1;
    return ready < 0 && errno != EINTR ? -2 : 0;
}

static int is_address(const char *name) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, name, buffer) == 1 || inet_pton(AF_INET6, name, buffer) == 1;
}

int crs_probe(const char *host, int port, const char *server_name, const char *ca_file,
              const unsigned char *request, int request_length, int timeout_ms, crs_probe_result *result) {
    memset(result, 0, sizeof *result);
    if (load_openssl(result) != 0) return -1;
    long long deadline = now_ms() + timeout_ms;
    char timed_out[64];
    snprintf(timed_out, sizeof timed_out, "timed out: no whole answer within %d s", (timeout_ms + 999) / 1000);
    int fd = connect_within(host, port, deadline, result);
    if (fd < 0) return -1;
    SSL_CTX *context = p_SSL_CTX_new(p_TLS_client_method());
    SSL *ssl = NULL;
    int status = -1;
    if (!context) { set_error(result, "cannot start TLS", ssl_reason()); goto done; }
    if (ca_file && *ca_file) {
        if (p_SSL_CTX_load_verify_locations(context, ca_file, NULL) != 1) {
            set_error(result, "cannot read the CA file", ssl_reason());
            goto done;
        }
    } else {
        p_SSL_CTX_set_default_verify_paths(context);
    }
    // The handshake completes whatever the chain: the result is recorded and reported, as a check should.
    p_SSL_CTX_set_verify(context, SSL_VERIFY_NONE, NULL);
    ssl = p_SSL_new(context);
    p_SSL_set_fd(ssl, fd);
    if (server_name && *server_name && !is_address(server_name))
        p_SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)server_name);
    for (;;) {
        int code = p_SSL_connect(ssl);
        if (code == 1) break;
        int waited = wait_for_ssl(ssl, fd, code, deadline);
        if (waited == -1) { set_error(result, "the TLS handshake failed", timed_out); goto done; }
        if (waited == -2) { set_error(result, "the TLS handshake failed", ssl_reason()); goto done; }
    }
    long verify = p_SSL_get_verify_result(ssl);
    result->verified = verify == X509_V_OK;
    if (!result->verified)
        snprintf(result->verify_error, sizeof result->verify_error, "%s", p_X509_verify_cert_error_string(verify));
    X509 *peer = p_SSL_get1_peer_certificate(ssl);
    if (peer) {
        unsigned char *der = NULL;
        int length = p_i2d_X509(peer, &der);
        if (length > 0) {
            result->peer_der = malloc(length);
            memcpy(result->peer_der, der, length);
            result->peer_der_length = length;
            p_CRYPTO_free(der, __FILE__, __LINE__);
        }
        p_X509_free(peer);
    }
    int written = 0;
    while (written < request_length) {
        int count = p_SSL_write(ssl, request + written, request_length - written);
        if (count > 0) { written += count; continue; }
        int waited = wait_for_ssl(ssl, fd, count, deadline);
        if (waited == -1) { set_error(result, "cannot send the request", timed_out); goto done; }
        if (waited == -2) { set_error(result, "cannot send the request", ssl_reason()); goto done; }
    }
    int capacity = 16384;
    result->response = malloc(capacity);
    for (;;) {
        if (result->response_length == capacity) {
            if (capacity >= 16 * 1024 * 1024) break;  // a check reads headers and small bodies, never an image
            capacity *= 2;
            result->response = realloc(result->response, capacity);
        }
        int count = p_SSL_read(ssl, result->response + result->response_length, capacity - result->response_length);
        if (count <= 0) {
            int waited = wait_for_ssl(ssl, fd, count, deadline);
            if (waited == 0) continue;
            if (waited == -1) { set_error(result, "no answer", timed_out); goto done; }
            int reason = p_SSL_get_error(ssl, count);
            if (reason != SSL_ERROR_ZERO_RETURN && reason != SSL_ERROR_SYSCALL && result->response_length == 0) {
                set_error(result, "cannot read the answer", ssl_reason());
                goto done;
            }
            break;
        }
        result->response_length += count;
    }
    if (result->response_length == 0) { set_error(result, "no answer", "the server closed the connection"); goto done; }
    status = 0;
done:
    if (ssl) { p_SSL_shutdown(ssl); p_SSL_free(ssl); }
    if (context) p_SSL_CTX_free(context);
    close(fd);
    return status;
}

void crs_probe_free(crs_probe_result *result) {
    free(result->peer_der);
    free(result->response);
    result->peer_der = NULL;
    result->response = NULL;
}
