#include "ctlsprobe.h"

#include <arpa/inet.h>
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
#include <unistd.h>

static void set_error(crs_probe_result *result, const char *what, const char *why) {
    snprintf(result->error, sizeof result->error, "%s: %s", what, why);
}

static const char *ssl_reason(void) {
    unsigned long code = ERR_get_error();
    static __thread char text[200];
    if (code == 0) return "the connection was closed";
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

/// A TCP connection within the timeout, with the same timeout on every later read and write.
static int connect_within(const char *host, int port, int timeout_ms, crs_probe_result *result) {
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int status = getaddrinfo(host, service, &hints, &found);
    if (status != 0) { set_error(result, "cannot resolve the host", gai_strerror(status)); return -1; }
    int fd = -1;
    const char *why = "no address";
    for (struct addrinfo *address = found; address; address = address->ai_next) {
        fd = socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol);
        if (fd < 0) { why = strerror(errno); continue; }
        int flags = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        int done = connect(fd, address->ai_addr, address->ai_addrlen);
        if (done != 0 && errno == EINPROGRESS) {
            struct pollfd waiting = {.fd = fd, .events = POLLOUT};
            int ready = poll(&waiting, 1, timeout_ms);
            int soerror = 0;
            socklen_t length = sizeof soerror;
            if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerror, &length) == 0 && soerror == 0) done = 0;
            else why = ready == 0 ? "timed out" : strerror(soerror ? soerror : errno);
        } else if (done != 0) {
            why = strerror(errno);
        }
        if (done == 0) {
            fcntl(fd, F_SETFL, flags);
            struct timeval limit = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    if (fd < 0) set_error(result, "cannot connect", why);
    return fd;
}

static int is_address(const char *name) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, name, buffer) == 1 || inet_pton(AF_INET6, name, buffer) == 1;
}

int crs_probe(const char *host, int port, const char *server_name, const char *ca_file,
              const unsigned char *request, int request_length, int timeout_ms, crs_probe_result *result) {
    memset(result, 0, sizeof *result);
    int fd = connect_within(host, port, timeout_ms, result);
    if (fd < 0) return -1;
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    SSL *ssl = NULL;
    int status = -1;
    if (!context) { set_error(result, "cannot start TLS", ssl_reason()); goto done; }
    if (ca_file && *ca_file) {
        if (SSL_CTX_load_verify_locations(context, ca_file, NULL) != 1) {
            set_error(result, "cannot read the CA file", ssl_reason());
            goto done;
        }
    } else {
        SSL_CTX_set_default_verify_paths(context);
    }
    // The handshake completes whatever the chain: the result is recorded and reported, as a check should.
    SSL_CTX_set_verify(context, SSL_VERIFY_NONE, NULL);
    ssl = SSL_new(context);
    SSL_set_fd(ssl, fd);
    if (server_name && *server_name && !is_address(server_name)) SSL_set_tlsext_host_name(ssl, server_name);
    if (SSL_connect(ssl) != 1) { set_error(result, "the TLS handshake failed", ssl_reason()); goto done; }
    long verify = SSL_get_verify_result(ssl);
    result->verified = verify == X509_V_OK;
    if (!result->verified) snprintf(result->verify_error, sizeof result->verify_error, "%s", X509_verify_cert_error_string(verify));
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (peer) {
        unsigned char *der = NULL;
        int length = i2d_X509(peer, &der);
        if (length > 0) {
            result->peer_der = malloc(length);
            memcpy(result->peer_der, der, length);
            result->peer_der_length = length;
            OPENSSL_free(der);
        }
        X509_free(peer);
    }
    int written = 0;
    while (written < request_length) {
        int count = SSL_write(ssl, request + written, request_length - written);
        if (count <= 0) { set_error(result, "cannot send the request", ssl_reason()); goto done; }
        written += count;
    }
    int capacity = 16384;
    result->response = malloc(capacity);
    for (;;) {
        if (result->response_length == capacity) {
            if (capacity >= 16 * 1024 * 1024) break;  // a check reads headers and small bodies, never an image
            capacity *= 2;
            result->response = realloc(result->response, capacity);
        }
        int count = SSL_read(ssl, result->response + result->response_length, capacity - result->response_length);
        if (count <= 0) {
            int reason = SSL_get_error(ssl, count);
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
    if (ssl) { SSL_shutdown(ssl); SSL_free(ssl); }
    if (context) SSL_CTX_free(context);
    close(fd);
    return status;
}

void crs_probe_free(crs_probe_result *result) {
    free(result->peer_der);
    free(result->response);
    result->peer_der = NULL;
    result->response = NULL;
}
