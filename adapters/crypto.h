// Small wrappers over OpenSSL for what the edges need: hashing keys,
// verifying platform HMAC signatures, comparing secrets in constant time,
// minting tokens. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sb::adapters {

std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// True when this thread's HMACs reuse its own OpenSSL context (the fast path,
// no lookup of the algorithm under OpenSSL's lock per call); false if OpenSSL
// could not make one, and each HMAC then takes the slower one-shot call.
bool hmac_uses_thread_context();
// Constant-time for equal lengths; a length mismatch returns false at once
// (lengths of platform secrets are not secret).
bool constant_time_equal(std::string_view a, std::string_view b);
// Standard base64 (RFC 4648 section 4) with padding, e.g. for HTTP Basic auth.
std::string base64(std::string_view data);
// 32 random bytes, URL-safe base64 without padding (43 characters).
std::string random_token();

}  // namespace sb::adapters
