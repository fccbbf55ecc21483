#ifndef CTLSPROBE_H
#define CTLSPROBE_H

/// One HTTPS exchange as a node makes it: TCP, a TLS handshake that records (not enforces) whether the
/// server's chain is trusted by a CA file, the server's certificate, then one HTTP/1.1 request and its answer.
typedef struct {
    /// 1 when the chain verified against the CA file (or the system's roots without one).
    int verified;
    /// OpenSSL's reason when it did not ("certificate has expired", "self-signed certificate"...).
    char verify_error[256];
    /// The server's certificate, DER (malloc'd; free with crs_probe_free).
    unsigned char *peer_der;
    int peer_der_length;
    /// The raw HTTP response (malloc'd).
    unsigned char *response;
    int response_length;
    /// Why the exchange stopped before an answer (connect, handshake, read), empty when it completed.
    char error[256];
} crs_probe_result;

/// Connects to host:port, shakes hands with `server_name` as SNI when it is a DNS name, sends `request` and reads
/// the answer to its end, all within `timeout_ms` from the start. Returns 0 when an answer was read, -1 otherwise.
int crs_probe(const char *host, int port, const char *server_name, const char *ca_file,
              const unsigned char *request, int request_length, int timeout_ms, crs_probe_result *result);

void crs_probe_free(crs_probe_result *result);

#endif
