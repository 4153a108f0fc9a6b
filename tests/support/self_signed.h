// Self-signed certificates for tests of TLS, made at test time: a fresh P-256
// key and an X.509 v3 certificate for DNS:<host> (CA:TRUE, so that clients
// can trust it as its own anchor), valid from an hour ago for a day, written
// as PEM files. The host name is the only identity: a client that verifies
// the name must ask for `host` (e.g. "localhost", not 127.0.0.1).
//
// Thread-safe; throws std::runtime_error on failure (a test set-up error).
#pragma once

#include <string>

namespace sb::test {

struct SelfSignedCert {
  std::string cert_file;  // PEM certificate: the server's chain and the client's trust anchor
  std::string key_file;   // PEM private key, unencrypted
};

// Writes <dir>/<stem>.pem and <dir>/<stem>-key.pem.
SelfSignedCert make_self_signed_cert(const std::string& dir, const std::string& stem,
                                     const std::string& host = "localhost");

}  // namespace sb::test
