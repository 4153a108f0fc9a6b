// Platform webhook signatures computed independently of the daemon's own
// code (OpenSSL directly), so that tests sign requests the way the platforms
// do: Meta's X-Hub-Signature-256, Viber's X-Viber-Content-Signature.
#pragma once

#include <string>
#include <string_view>

namespace sb::test {

// Lower-case hex of HMAC-SHA256(key, data).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// Lower-case hex of SHA-256(data) (what `sha256sum` prints).
std::string sha256_hex(std::string_view data);

}  // namespace sb::test
